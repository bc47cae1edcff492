package org.gfsj.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.gfsj.tools.fs.FsckCommand;
import org.gfsj.tools.fs.MkfsCommand;
import org.gfsj.tools.mount.MountCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders cleanly: picocli formats descriptions with
 * {@code String.format}, so a bare percent sign in one ("5% of a core") turns the help into a
 * warning and unformatted text.
 */
class HelpTextTest {

  @Test
  void everyCommandsHelpRendersWithoutWarnings() {
    List<CommandLine> commands = new ArrayList<>();
    for (Object root : List.of(new GfsTool(), new MkfsCommand(), new FsckCommand(),
        new MountCommand())) {
      collect(new CommandLine(root), commands);
    }
    PrintStream err = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      for (CommandLine c : commands) {
        String usage = c.getUsageMessage();
        assertTrue(usage.contains("Usage: "), c.getCommandName() + ": " + usage);
        assertFalse(usage.contains("%n"), c.getCommandName() + " help has a raw %n: " + usage);
      }
    } finally {
      System.setErr(err);
    }
    assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    assertTrue(commands.size() > 10, "only " + commands.size() + " commands found");
  }

  private static void collect(CommandLine command, List<CommandLine> into) {
    into.add(command);
    command.getSubcommands().values().stream().distinct().forEach(c -> collect(c, into));
  }
}
