using System.Text;

namespace PromptLeo.Tests.Fixtures;

/// <summary>The erasure leak check: searches every file of a data folder (database, WAL, files, mail) for strings.</summary>
public static class DataFolderScan
{
    /// <summary>Fails naming the first file that holds one of <paramref name="needles"/>, in UTF-8 or UTF-16.</summary>
    public static void AssertAbsent(string dataDirectory, params string[] needles)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var memory = new MemoryStream())
            {
                stream.CopyTo(memory);
                bytes = memory.ToArray();
            }
            foreach (var needle in needles)
            {
                var where = Path.GetRelativePath(dataDirectory, file);
                Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0, $"'{needle}' found in {where}");
                Assert.False(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0, $"'{needle}' (UTF-16) found in {where}");
            }
        }
    }
}
