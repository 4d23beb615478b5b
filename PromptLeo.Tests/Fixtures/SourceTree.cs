namespace PromptLeo.Tests.Fixtures;

/// <summary>Locates the repository's source folders from the test binaries.</summary>
public static class SourceTree
{
    public static string Root { get; } = FindRoot();

    public static string WebProject => Path.Combine(Root, "PromptLeo.Web");

    /// <summary>Where tests put screenshots and rendered documents for a person to look at.</summary>
    public static string ArtifactsDirectory
    {
        get
        {
            var dir = Path.Combine(Root, "TestResults", "artifacts");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PromptLeo.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("PromptLeo.sln not found above the test binaries.");
    }
}
