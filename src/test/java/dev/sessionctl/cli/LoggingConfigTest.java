package dev.sessionctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** sessionctl's stderr carries its own one-line errors, not the drivers' copies of them. */
class LoggingConfigTest {

    @Test
    void mariaDbDriverDoesNotRepeatServerErrorsOnStderr() {
        // Connector/J logs "Error: 1045-28000: Access denied ..." at WARN for every error packet
        assertThat(LoggerFactory.getLogger("org.mariadb.jdbc.message.server.ErrorPacket").isWarnEnabled()).isFalse();
    }

    @Test
    void otherWarningsStillShow() {
        assertThat(LoggerFactory.getLogger("org.mariadb.jdbc.Driver").isWarnEnabled()).isTrue();
        assertThat(LoggerFactory.getLogger("dev.sessionctl").isWarnEnabled()).isTrue();
    }
}
