package dev.sessionctl.model;

import java.time.Instant;

/**
 * A transaction whose session is gone (Oracle V$TRANSACTION without V$SESSION): the server's cleanup
 * (PMON/SMON) is rolling it back and its locks stay until that ends. Nothing to kill; worth watching.
 *
 * @param transactionId the engine's id (Oracle XIDUSN.XIDSLOT.XIDSQN)
 * @param size          undo blocks (or rows) still held
 * @param records       undo records, when known
 */
public record OrphanTransaction(int instance, String transactionId, String status, Instant start, Long size,
                                Long records) {
}
