namespace Workflowy.Sqlite.Tests;

/// <summary>
/// The database holds the runs' inputs and results: a database the store creates is readable by its owner only
/// (issue 17, item 1), and so are SQLite's WAL and shared-memory files beside it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteFileModeTests : TempFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task ANewDatabase_AndItsDirectory_AreCreatedOwnerOnly()
    {
        Assert.False(OperatingSystem.IsWindows(), "file modes are a Unix matter; this test runs on the project's Linux machines");
        var path = Path.Combine(TempDirectory, "new-folder", "store.db");
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.SaveAsync(new RunCheckpoint("wf", "r1", "{\"secret\":1}", Array.Empty<TaskRecord>(), new Dictionary<string, string>()));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
            Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
            foreach (var companion in new[] { path + "-wal", path + "-shm" })
            {
                if (File.Exists(companion))
                {
                    var others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
                    Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(companion) & others);
                }
            }
        }
    }

    [Fact]
    public async Task AnExistingDatabase_KeepsItsMode()
    {
        Assert.False(OperatingSystem.IsWindows(), "file modes are a Unix matter; this test runs on the project's Linux machines");
        var path = NewPath();
        await using (var first = new SqliteWorkflowStore(path))
        {
            await first.SaveAsync(new RunCheckpoint("wf", "r1", "{}", Array.Empty<TaskRecord>(), new Dictionary<string, string>()));
        }

        var shared = OwnerOnly | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, shared);
        await using (var second = new SqliteWorkflowStore(path))
        {
            await second.SaveAsync(new RunCheckpoint("wf", "r2", "{}", Array.Empty<TaskRecord>(), new Dictionary<string, string>()));
        }

        Assert.Equal(shared, File.GetUnixFileMode(path));
    }
}
