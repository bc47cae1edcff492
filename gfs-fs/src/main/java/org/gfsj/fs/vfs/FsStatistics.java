package org.gfsj.fs.vfs;

/** What statfs(2) reports. */
public record FsStatistics(
    int blockSize, long blocks, long freeBlocks, long availableBlocks, long files, long freeFiles,
    int maxNameLength) {}
