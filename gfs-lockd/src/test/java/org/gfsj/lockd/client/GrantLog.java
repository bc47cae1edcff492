package org.gfsj.lockd.client;

import java.util.ArrayList;
import java.util.List;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;

/**
 * What clients saw, with one clock (the test JVM's nanoTime): a hold starts when the client
 * learns of its grant (after lockd granted it) and ends just before the client sends its release
 * (before lockd releases it). Each logged interval therefore lies inside the interval lockd
 * really granted, so two overlapping logged intervals prove lockd granted both at once.
 */
final class GrantLog {
  record Hold(int client, ResourceName resource, LockMode mode, long from, long to) {}

  private final List<Hold> holds = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();

  synchronized void hold(int client, ResourceName resource, LockMode mode, long from, long to) {
    holds.add(new Hold(client, resource, mode, from, to));
  }

  /** A request that got no answer, or an answer that makes no sense. */
  synchronized void problem(String what) {
    problems.add(what);
  }

  synchronized List<Hold> holds() {
    return new ArrayList<>(holds);
  }

  synchronized List<String> problems() {
    return new ArrayList<>(problems);
  }
}
