package dev.corridor.sidecar.cli;

import dev.corridor.sidecar.config.ClientConfig;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per event on standard error: time, level, message (and the cause's message, if any). */
final class Logging {
    private Logging() {}

    static void configure(ClientConfig.LogLevel level) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Level julLevel = switch (level) {
            case ERROR -> Level.SEVERE;
            case WARN -> Level.WARNING;
            case INFO -> Level.INFO;
            case DEBUG -> Level.FINE;
        };
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(julLevel);
        handler.setFormatter(new LineFormatter());
        root.addHandler(handler);
        // Debug output is Corridor's own: the JDK's TLS and HTTP-server internals stay at INFO.
        root.setLevel(Level.FINE.equals(julLevel) ? Level.INFO : julLevel);
        Logger.getLogger("dev.corridor").setLevel(julLevel);
    }

    private static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            String level = switch (record.getLevel().getName()) {
                case "SEVERE" -> "ERROR";
                case "WARNING" -> "WARN";
                case "FINE", "FINER", "FINEST" -> "DEBUG";
                default -> record.getLevel().getName();
            };
            String message = formatMessage(record);
            if (record.getThrown() != null && record.getThrown().getMessage() != null) {
                message += ": " + record.getThrown().getMessage();
            }
            return Instant.ofEpochMilli(record.getMillis()) + " " + level + " " + message + System.lineSeparator();
        }
    }
}
