package org.gfsj.it.fuse;

import java.util.ArrayList;
import java.util.List;

/** Shell commands run as uid and gid 65534 (nobody), to test what another user may do. */
final class Nobody {
  static final int UID = 65534;

  private Nobody() {}

  /** Runs {@code script} as nobody with exactly the supplementary {@code groups}; its result. */
  static Commands.Result sh(String script, int... groups) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID));
    if (groups.length == 0) {
      cmd.add("--clear-groups");
    } else {
      StringBuilder g = new StringBuilder();
      for (int x : groups) {
        g.append(g.length() == 0 ? "" : ",").append(x);
      }
      cmd.add("--groups=" + g);
    }
    cmd.addAll(List.of("sh", "-c", script));
    return Commands.run(cmd);
  }
}
