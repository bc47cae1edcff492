package org.gfsj.fs.fsck;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.fs.FileSystemReader;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.ResourceGroupHeader;
import org.gfsj.fs.format.ResourceGroupIndexEntry;

/**
 * Pass 1: the resource-group index against the device and each group's own header. A group whose
 * header is unreadable or disagrees with the index is left out of the later passes: its bitmaps
 * cannot be trusted, and rewriting them by guess could hand live blocks out twice.
 */
final class GroupPass {
  private GroupPass() {}

  static Groups run(FileSystemReader fs, Findings findings) throws IOException {
    long blocks = fs.superBlock().blockCount();
    List<ResourceGroupIndexEntry> good = new ArrayList<>();
    long previousEnd = 0;
    for (ResourceGroupIndexEntry g : fs.resourceGroupIndex()) {
      if (g.address() < previousEnd || g.end() > blocks) {
        findings.left("resource group index record for group at block " + g.address()
            + " overlaps the group before it or passes the end of the filesystem (" + blocks
            + " blocks)", "left unchecked; restore the rindex from a backup or run mkfs.gfsj");
        continue;
      }
      previousEnd = g.end();
      try {
        ResourceGroupHeader h = fs.resourceGroupHeader(g);
        if (!g.matches(h)) {
          findings.left("resource group header at block " + g.address()
              + " describes a different layout than its rindex record", "left unchecked;"
              + " restore the rindex or the header from a backup");
          continue;
        }
        good.add(g);
      } catch (CorruptMetadataException e) {
        findings.left(e.getMessage(), "resource group left unchecked; its blocks are not"
            + " reallocated by this run");
      }
    }
    findings.detail("  " + good.size() + " resource groups");
    return new Groups(good);
  }
}
