package dev.territory.hub;

/**
 * Runs the test Hub until killed, for trying commands by hand:
 * {@code mvn -B -q -pl hub dependency:build-classpath -Dmdep.outputFile=/tmp/hubcp.txt} and
 * {@code java -cp hub/target/classes:hub/target/test-classes:$(cat /tmp/hubcp.txt) dev.territory.hub.FakeHubMain}
 * (from the repository root, after {@code mvn -pl hub test-compile}),
 * then {@code HF_ENDPOINT=<printed url> ./territory analyze --base territory/llama3-gqa-base@main ...}.
 * Repositories: see {@link HubFixtures#populate}; token for the gated/private ones: {@link HubFixtures#GRANTED_TOKEN}.
 */
public final class FakeHubMain {

    public static void main(String[] args) throws Exception {
        FakeHub hub = new FakeHub();
        HubFixtures.Commits c = HubFixtures.populate(hub);
        System.out.println("HF_ENDPOINT=" + hub.endpoint());
        System.out.println(HubFixtures.LLAMA + " main=" + c.main() + " dev=" + c.dev() + "; " + HubFixtures.SHARDED
                + " main=" + c.sharded() + "; gated " + HubFixtures.GATED + ", private " + HubFixtures.PRIVATE);
        Thread.currentThread().join();
    }
}
