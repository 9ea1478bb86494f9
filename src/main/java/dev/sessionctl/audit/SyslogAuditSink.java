package dev.sessionctl.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;

/**
 * Sends each record to syslog as an RFC 5424 message over UDP (default localhost:514), facility
 * authpriv; severity notice, warning for outcomes that are failures. The message body is the
 * JSON record, so a log collector gets the same fields as the file. Best effort by nature (UDP).
 */
public final class SyslogAuditSink implements AuditSink {

    private static final int FACILITY_AUTHPRIV = 10;
    private static final int SEVERITY_WARNING = 4;
    private static final int SEVERITY_NOTICE = 5;
    private static final int MAX_DATAGRAM = 8192;

    private final InetAddress address;
    private final int port;
    private final String hostName;
    private final DatagramSocket socket;

    public SyslogAuditSink(String host, int port) {
        try {
            this.address = InetAddress.getByName(host == null ? "localhost" : host);
            this.port = port <= 0 ? 514 : port;
            this.socket = new DatagramSocket();
        } catch (IOException e) {
            throw new AuditException("cannot set up syslog to " + host + ":" + port + ": " + e.getMessage(), e);
        }
        String h;
        try {
            h = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            h = "-";
        }
        this.hostName = h.replace(' ', '_');
    }

    @Override
    public String describe() {
        return "syslog udp://" + address.getHostAddress() + ":" + port;
    }

    @Override
    public void append(AuditRecord r) {
        byte[] bytes = format(r).getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_DATAGRAM) {
            bytes = java.util.Arrays.copyOf(bytes, MAX_DATAGRAM);
        }
        try {
            socket.send(new DatagramPacket(bytes, bytes.length, address, port));
        } catch (IOException e) {
            throw new AuditException("syslog send failed: " + e.getMessage(), e);
        }
    }

    /** {@code <PRI>1 TIMESTAMP HOST sessionctl PID PHASE - JSON}. */
    String format(AuditRecord r) {
        boolean failure = r.outcome() != null && !isAcceptable(r.outcome());
        int pri = FACILITY_AUTHPRIV * 8 + (failure ? SEVERITY_WARNING : SEVERITY_NOTICE);
        String json;
        try {
            json = AuditJson.MAPPER.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            json = "{\"id\":\"" + r.id() + "\"}";
        }
        String ts = r.time() == null ? "-" : DateTimeFormatter.ISO_INSTANT.format(r.time());
        long pid = r.actor() == null ? ProcessHandle.current().pid() : r.actor().pid();
        return "<" + pri + ">1 " + ts + " " + hostName + " sessionctl " + pid + " " + r.phase() + " - " + json;
    }

    /** Every acceptable KillOutcome (so a new outcome cannot drift), plus verification / escalation words. */
    private static final java.util.Set<String> ACCEPTABLE = java.util.stream.Stream.concat(
            java.util.Arrays.stream(dev.sessionctl.kill.KillOutcome.values())
                    .filter(dev.sessionctl.kill.KillOutcome::acceptable).map(dev.sessionctl.kill.KillOutcome::label),
            java.util.stream.Stream.of("verified", "done", "statement-stopped"))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    static boolean isAcceptable(String outcome) {
        return ACCEPTABLE.contains(outcome);
    }

    @Override
    public void close() {
        socket.close();
    }
}
