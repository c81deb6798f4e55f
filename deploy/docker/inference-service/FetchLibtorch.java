import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Image build step: makes DJL download the libtorch of PYTORCH_FLAVOR / PYTORCH_VERSION into
 * DJL_CACHE_DIR, exactly as it would on first use. Loading the CUDA library needs a GPU driver,
 * which a build machine usually lacks; the download is what matters here, so a failed load after
 * a completed download is reported and accepted.
 */
public class FetchLibtorch {
    public static void main(String[] args) throws Exception {
        String version = System.getenv("PYTORCH_VERSION");
        String flavor = System.getenv("PYTORCH_FLAVOR");
        Path dir = Path.of(System.getenv("DJL_CACHE_DIR"), "pytorch", version + "-" + flavor + "-linux-x86_64");
        try {
            ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
            System.out.println("libtorch " + engine.getVersion() + " loaded; GPUs visible: " + engine.getGpuCount());
        } catch (RuntimeException | Error e) {
            System.out.println("libtorch not loadable on the build machine (" + e + "); checking the download");
        }
        if (!Files.isRegularFile(dir.resolve("libtorch.so"))) {
            System.err.println("error: DJL did not download libtorch to " + dir);
            System.exit(1);
        }
        System.out.println("libtorch " + flavor + " in " + dir);
    }
}
