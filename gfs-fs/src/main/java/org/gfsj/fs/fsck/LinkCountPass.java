package org.gfsj.fs.fsck;

import java.io.IOException;
import java.util.Map;

/**
 * Pass 4: each reachable inode's link count against the references pass 2 counted (entries, and
 * for a directory its "." and its subdirectories' ".."). The counted value is the truth: it is
 * what the tree says, and a wrong count either frees a live file at its next unlink or leaks it.
 */
final class LinkCountPass {
  private LinkCountPass() {}

  static void run(Map<Long, int[]> links, Findings findings, MetadataRepairs repairs)
      throws IOException {
    for (Map.Entry<Long, int[]> e : links.entrySet()) {
      int onDisk = e.getValue()[0];
      int counted = e.getValue()[1];
      if (onDisk == counted) {
        continue;
      }
      String problem = "inode " + e.getKey() + " has link count " + onDisk + ", should be "
          + counted;
      if (findings.repair()) {
        repairs.setLinkCount(e.getKey(), counted);
        findings.fixed(problem, "set to " + counted);
      } else {
        findings.left(problem, "run fsck.gfsj -y to set it");
      }
    }
  }
}
