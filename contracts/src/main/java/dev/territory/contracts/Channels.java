package dev.territory.contracts;

/** SmallRye Reactive Messaging channel names, shared by the services and their tests. */
public final class Channels {
    private Channels() {}

    public static final String RUN_REQUESTS_IN = "run-requests-in";
    public static final String MODEL_JOBS_OUT = "model-jobs-out";
    public static final String MODEL_JOBS_IN = "model-jobs-in";
    public static final String ENTROPY_VECTORS_OUT = "entropy-vectors-out";
    public static final String PROGRESS_OUT = "progress-out";
    public static final String PROGRESS_IN = "progress-in";
    public static final String METRICS_IN = "metrics-in";
    public static final String REPORT_REQUESTS_IN = "report-requests-in";
    public static final String COMPLETED_OUT = "completed-out";
    public static final String FAILED_OUT = "failed-out";
    public static final String FAILED_IN = "failed-in";
    /** Records a service cannot use, to {@link Topics#DEAD_LETTER} with {@link DeadLetterHeaders}. */
    public static final String DEAD_LETTER_OUT = "dead-letter-out";
    /** Runs submitted over the report service's HTTP API, to {@link Topics#RUNS_REQUESTED}. */
    public static final String API_REQUESTS_OUT = "api-requests-out";
    /** Runs cancelled over the report service's HTTP API, as RunFailed to {@link Topics#RUNS_FAILED}. */
    public static final String API_CANCEL_OUT = "api-cancel-out";
}
