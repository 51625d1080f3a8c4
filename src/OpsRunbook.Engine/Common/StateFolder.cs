using System;
using System.IO;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// Where OpsRunbook keeps what an operation in progress must be able to undo after a kill: $XDG_STATE_HOME/OpsRunbook,
    /// else ~/.local/state/OpsRunbook; 0700, like everything under it.
    /// </summary>
    internal static class StateFolder
    {
        /// <summary>The area's folder, made (0700) when missing.</summary>
        public static string For(string area)
        {
            PrivateFiles.CreateFolder(Root);
            return PrivateFiles.CreateFolder(PathOf(area));
        }

        /// <summary>The area's folder, whether or not it exists: for reading only.</summary>
        public static string PathOf(string area) => Path.Combine(Root, area);

        private static string Root => Path.Combine(
            Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
            "OpsRunbook");
    }
}
