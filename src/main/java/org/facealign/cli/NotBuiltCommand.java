package org.facealign.cli;

import java.util.concurrent.Callable;

/** A subcommand that is part of the command line's design but not built in this version: it says so. */
abstract class NotBuiltCommand implements Callable<Integer> {
  abstract String message();

  @Override
  public final Integer call() {
    System.err.println(message());
    return 2;
  }
}
