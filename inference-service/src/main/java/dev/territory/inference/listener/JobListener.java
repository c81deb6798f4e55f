package dev.territory.inference.listener;

import dev.territory.contracts.Channels;
import dev.territory.contracts.EntropyVectorComputed;
import dev.territory.contracts.EventCodec;
import dev.territory.contracts.ModelInfo;
import dev.territory.contracts.ModelJobRequested;
import dev.territory.contracts.ModelLoaded;
import dev.territory.contracts.Role;
import dev.territory.contracts.RunFailed;
import dev.territory.contracts.RunProgress;
import dev.territory.engine.ComputeDtype;
import dev.territory.engine.ModelException;
import dev.territory.inference.EngineHolder;
import dev.territory.inference.ModelJobRunner;
import dev.territory.inference.config.HubSettings;
import dev.territory.inference.config.InferenceConfig;
import dev.territory.inference.messaging.Publisher;
import dev.territory.inference.telemetry.InferenceMetrics;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Runs one model job at a time (the GPU is the bottleneck; scale with replicas). The job's offset
 * is committed after all its vectors are acknowledged, so a crash replays the job; the vectors'
 * ids are deterministic and the metrics service counts each (run, role, seed, prompt) once.
 */
@ApplicationScoped
public class JobListener {

    private static final Logger LOG = Logger.getLogger(JobListener.class);

    @Inject
    Publisher publisher;

    @Inject
    EngineHolder engines;

    @Inject
    InferenceConfig config;

    @Inject
    FailedRuns failedRuns;

    @Inject
    InferenceMetrics metrics;

    @Incoming(Channels.MODEL_JOBS_IN)
    @Blocking
    public void onJob(byte[] payload) {
        ModelJobRequested job;
        try {
            job = EventCodec.decode(payload, ModelJobRequested.class);
        } catch (RuntimeException e) {
            LOG.warnf("skipped an unreadable model job: %s", e.getMessage());
            String runId = EventCodec.runIdOf(payload).orElse(null);
            if (runId != null) {
                publisher
                        .failed(RunFailed.of(runId, RequestListener.SERVICE, "unreadable model job: " + e.getMessage()))
                        .join();
            }
            return;
        }
        LOG.infof(
                "run %s: %s model %s",
                job.runId(), job.role().id(), job.request().model(job.role()).describe());
        if (failedRuns.failed(job.runId())) {
            LOG.infof(
                    "run %s already failed: %s model skipped",
                    job.runId(), job.role().id());
            return;
        }
        metrics.jobStarted(job.runId(), job.role());
        dev.territory.engine.EntropyEngine engine = null;
        try {
            Sink sink = new Sink();
            engine = engines.acquire(ComputeDtype.fromId(job.request().dtype()));
            new ModelJobRunner(config.modelRoots(), config.batchSize(), config.hashWeights(), HubSettings::resolver)
                    .run(job, engine, engines.modelCache(engine), sink);
            sink.awaitAll();
            metrics.jobFinished(job.runId(), job.role(), true);
        } catch (EngineHolder.ShuttingDown e) {
            metrics.jobFinished(job.runId(), job.role(), false);
            throw e; // not acknowledged: redelivered to another replica or to this one restarted; the run goes on
        } catch (java.util.concurrent.CancellationException e) {
            LOG.infof(
                    "run %s failed elsewhere: %s model stopped after a seed",
                    job.runId(), job.role().id());
            metrics.jobFinished(job.runId(), job.role(), false);
        } catch (ModelException | RuntimeException | LinkageError | OutOfMemoryError e) {
            // a model that cannot be run fails its run, never the service (OOM: the model did not fit)
            String reason = job.role().id() + " model "
                    + job.request().model(job.role()).describe() + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.toString());
            LOG.warnf("run %s failed: %s", job.runId(), reason);
            metrics.jobFinished(job.runId(), job.role(), false);
            publisher
                    .failed(RunFailed.of(job.runId(), RequestListener.SERVICE, reason))
                    .join();
        } finally {
            if (engine != null) {
                engines.release();
            }
        }
    }

    /** Publishes as the runner goes; a seed's vectors are awaited before the next seed starts. */
    private final class Sink implements ModelJobRunner.Sink {
        private final List<CompletableFuture<Void>> pending = new ArrayList<>();

        @Override
        public void progress(RunProgress progress) {
            pending.add(publisher.progress(progress));
        }

        @Override
        public void vector(EntropyVectorComputed vector) {
            pending.add(publisher.vector(vector.key(), vector));
            metrics.vectorPublished(
                    vector.runId(), vector.role(), vector.seed(), vector.promptIndex(), vector.tokenCount());
        }

        @Override
        public void seedDone(String runId, Role role, int seed) {
            awaitAll();
            if (failedRuns.failed(runId)) {
                throw new java.util.concurrent.CancellationException("run " + runId + " failed");
            }
        }

        @Override
        public void modelLoaded(String runId, Role role, ModelInfo model, double seconds, long bytes, boolean reused) {
            pending.add(publisher.progress(ModelLoaded.of(runId, role, model, seconds)));
            if (reused) {
                return; // nothing was loaded: the load meters stay about loads (the cache's meters count reuse)
            }
            metrics.modelLoaded(role, Duration.ofNanos((long) (seconds * 1e9)), bytes);
        }

        @Override
        public void modelResolved(String runId, Role role, dev.territory.hub.ResolvedModel model) {
            var p = model.provenance();
            var stats = model.stats();
            LOG.infof(
                    "run %s: %s model %s@%s is commit %s (%d bytes in %d files downloaded, %d files from the cache)",
                    runId,
                    role.id(),
                    p.repoId(),
                    p.requestedRevision(),
                    p.commit(),
                    stats.bytesDownloaded(),
                    stats.filesDownloaded(),
                    stats.filesCached());
            metrics.modelDownloaded(role, stats.bytesDownloaded(), stats.elapsed());
        }

        @Override
        public void promptsDone(
                String runId, Role role, int seed, int done, int total, double batchSeconds, int batchPrompts) {
            metrics.expectPrompts(runId, role, seed, total);
            metrics.forwardPasses(role, Duration.ofNanos((long) (batchSeconds * 1e9)), batchPrompts);
        }

        void awaitAll() {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            pending.clear();
        }
    }
}
