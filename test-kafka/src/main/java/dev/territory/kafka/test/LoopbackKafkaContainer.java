package dev.territory.kafka.test;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.time.Duration;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' Kafka container with its client port published on 127.0.0.1 only, and three
 * minutes for the broker to start. With a local
 * engine the host is 127.0.0.1: Testcontainers would otherwise take the bridge gateway on a machine
 * with a {@code /.dockerenv} (it then believes it runs inside a container), and that address is
 * both what the test dials and what the broker advertises.
 */
final class LoopbackKafkaContainer extends KafkaContainer {
    private static final int KAFKA_PORT = 9092;
    private final boolean localEngine;

    LoopbackKafkaContainer(DockerImageName image, boolean localEngine) {
        super(image);
        this.localEngine = localEngine;
        // the broker logs that it runs after 5-35 s here (2 shared cores); Testcontainers waits 60 s by default
        withStartupTimeout(Duration.ofMinutes(3));
        if (localEngine) {
            withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                    .withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(KAFKA_PORT))));
        }
    }

    @Override
    public String getHost() {
        return localEngine ? "127.0.0.1" : super.getHost();
    }
}
