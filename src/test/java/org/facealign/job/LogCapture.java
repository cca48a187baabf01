package org.facealign.job;

import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** The events one class logs (at the level the test configuration lets through), as {@code LEVEL message} lines. */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final AbstractAppender appender;

  private LogCapture(Logger logger, AbstractAppender appender) {
    this.logger = logger;
    this.appender = appender;
  }

  /** Starts adding the events of {@code source}'s logger to {@code lines}, until closed. */
  public static LogCapture of(Class<?> source, List<String> lines) {
    Logger logger = ((LoggerContext) LogManager.getContext(false)).getLogger(source.getName());
    AbstractAppender a = new AbstractAppender("capture-" + source.getSimpleName(), null, null, true,
        Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent e) {
        synchronized (lines) {
          lines.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
        }
      }
    };
    a.start();
    logger.addAppender(a);
    return new LogCapture(logger, a);
  }

  @Override
  public void close() {
    logger.removeAppender(appender);
    appender.stop();
  }
}
