package dev.territory.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Hub's own cache layout, so that an existing {@code huggingface_hub} cache is reused and vice
 * versa:
 *
 * <pre>
 * {cache}/models--{org}--{name}/blobs/{etag}                 file contents, named by the Hub's id
 * {cache}/models--{org}--{name}/blobs/{etag}.incomplete      a download in progress (resumable)
 * {cache}/models--{org}--{name}/snapshots/{commit}/{file}    relative symlink to ../../blobs/{etag}
 * {cache}/models--{org}--{name}/refs/{revision}              the commit a branch or tag pointed to
 * {cache}/.locks/models--{org}--{name}/{etag}.lock           one lock per blob
 * </pre>
 */
public final class HubCache {

    /** FileChannel locks are per process; threads of one process queue on these first. */
    private static final ConcurrentHashMap<Path, ReentrantLock> THREAD_LOCKS = new ConcurrentHashMap<>();

    private final Path root;

    public HubCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** {@code models--org--name}. */
    public static String folderName(String repoId) {
        return "models--" + repoId.replace("/", "--");
    }

    public Path repoDir(String repoId) {
        return root.resolve(folderName(repoId));
    }

    public Path blob(String repoId, String etag) {
        return repoDir(repoId).resolve("blobs").resolve(etag);
    }

    public Path incomplete(String repoId, String etag) {
        return repoDir(repoId).resolve("blobs").resolve(etag + ".incomplete");
    }

    public Path snapshotDir(String repoId, String commit) {
        return repoDir(repoId).resolve("snapshots").resolve(commit);
    }

    public Path snapshotFile(String repoId, String commit, String file) {
        return snapshotDir(repoId, commit).resolve(file);
    }

    public Path lockFile(String repoId, String etag) {
        return root.resolve(".locks").resolve(folderName(repoId)).resolve(etag + ".lock");
    }

    private Path refFile(String repoId, String revision) {
        return repoDir(repoId).resolve("refs").resolve(revision);
    }

    /** The commit the cache last saw {@code revision} point to, if any. */
    public Optional<String> readRef(String repoId, String revision) throws IOException {
        Path ref = refFile(repoId, revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
        return ModelReference.isCommitHash(commit) ? Optional.of(commit) : Optional.empty();
    }

    /**
     * Records that {@code revision} points to {@code commit}; a no-op for a commit. Written to a
     * temporary file and renamed, so readers never see half a hash. No trailing newline, as
     * {@code huggingface_hub} writes it.
     */
    public void writeRef(String repoId, String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = refFile(repoId, revision);
        Optional<String> current = readRef(repoId, revision);
        if (current.isPresent() && current.get().equals(commit)) {
            return;
        }
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref-", ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            moveAtomically(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Points {@code snapshots/<commit>/<file>} at {@code blobs/<etag>} with a relative symlink
     * (replacing a stale link). Call while holding the blob's lock.
     */
    public void link(String repoId, String commit, String file, String etag) throws IOException {
        Path pointer = snapshotFile(repoId, commit, file);
        Path blob = blob(repoId, etag);
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        if (Files.isSymbolicLink(pointer)) {
            if (Files.readSymbolicLink(pointer).equals(target)) {
                return;
            }
            Files.delete(pointer);
        } else if (Files.exists(pointer, LinkOption.NOFOLLOW_LINKS)) {
            // A copied file (e.g. a cache made without symlink support): keep it if it is this blob.
            if (Files.size(pointer) == Files.size(blob)) {
                return;
            }
            Files.delete(pointer);
        }
        try {
            Files.createSymbolicLink(pointer, target);
        } catch (FileAlreadyExistsException e) {
            // another writer of the same blob (e.g. a Python process) made it meanwhile
        }
    }

    /**
     * Holds the lock of one blob: first among this process's threads, then among processes via
     * {@link FileChannel#lock()} on {@code .locks/.../<etag>.lock}. Blocks until granted.
     */
    public BlobLock lock(String repoId, String etag) throws IOException {
        Path lockPath = lockFile(repoId, etag);
        Files.createDirectories(lockPath.getParent());
        ReentrantLock threadLock = THREAD_LOCKS.computeIfAbsent(lockPath, p -> new ReentrantLock());
        threadLock.lock();
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock = channel.lock();
            return new BlobLock(threadLock, channel, fileLock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            threadLock.unlock();
            throw e;
        }
    }

    /** A held blob lock; release with close(). */
    public static final class BlobLock implements AutoCloseable {
        private final ReentrantLock threadLock;
        private final FileChannel channel;
        private final FileLock fileLock;

        private BlobLock(ReentrantLock threadLock, FileChannel channel, FileLock fileLock) {
            this.threadLock = threadLock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override
        public void close() throws IOException {
            try {
                fileLock.release();
                channel.close();
            } finally {
                threadLock.unlock();
            }
        }
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
