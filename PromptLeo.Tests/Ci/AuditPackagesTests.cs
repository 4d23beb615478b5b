using System.Diagnostics;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Ci;

/// <summary>The judgement of <c>.ci/audit-packages</c> over saved `dotnet list package --vulnerable` reports.</summary>
public sealed class AuditPackagesTests : IDisposable
{
    private const string NuGetIndex = """{"version":"3.0.0","resources":[{"@id":"https://api.nuget.org/v3/vulnerabilities/index.json","@type":"VulnerabilityInfo/6.7.0"}]}""";
    private const string MirrorIndex = """{"version":"3.0.0","resources":[{"@id":"https://mirror.example/v3-flatcontainer/","@type":"PackageBaseAddress/3.0.0"}]}""";

    private const string Clean = """
        The following sources were used:
           https://api.nuget.org/v3/index.json

        The given project `PromptLeo.Web` has no vulnerable packages given the current sources.
        """;

    private const string Vulnerable = """
        The following sources were used:
           https://api.nuget.org/v3/index.json

        Project `PromptLeo.Web` has the following vulnerable packages
           [net10.0]:
           Top-level Package      Requested   Resolved   Severity   Advisory URL
           > Example.Moderate     1.0.0       1.0.0      Moderate   https://github.com/advisories/GHSA-aaaa-bbbb-cccc

           Transitive Package     Resolved   Severity   Advisory URL
           > Example.Transitive   2.0.0      Low        https://github.com/advisories/GHSA-dddd-eeee-ffff
                                             {0}   https://github.com/advisories/GHSA-gggg-hhhh-iiii
        """;

    private readonly string folder = Directory.CreateTempSubdirectory("promptleo-audit-").FullName;

    [Theory]
    [InlineData("High")]
    [InlineData("Critical")]
    public void SeriousAdvisory_EvenOnAContinuationRow_Fails(string severity)
    {
        var (code, output) = Run(string.Format(Vulnerable, severity), NuGetIndex);
        Assert.Equal(1, code);
        Assert.Contains("FAILED: High or Critical advisories", output);
        Assert.Contains("GHSA-gggg-hhhh-iiii", output);
    }

    [Fact]
    public void LowAndModerateAdvisories_AreListedButPass()
    {
        var (code, output) = Run(string.Format(Vulnerable, "Moderate"), NuGetIndex);
        Assert.Equal(0, code);
        Assert.Contains("Example.Moderate", output);
        Assert.Contains("checked, no High or Critical advisories", output);
    }

    [Fact]
    public void NoAdvisories_FromASourceWithVulnerabilityData_Passes()
    {
        Assert.Equal(0, Run(Clean, NuGetIndex).Code);
    }

    [Fact]
    public void SourceWithoutVulnerabilityData_IsReportedAsNotChecked()
    {
        var (code, output) = Run(Clean, MirrorIndex);
        Assert.Equal(3, code);
        Assert.Contains("NOT CHECKED", output);
        Assert.Contains("no package source publishes vulnerability data", output);
    }

    [Fact]
    public void UnreachableSource_IsReportedAsNotChecked()
    {
        var (code, output) = Run("error: Unable to load the service index for source https://api.nuget.org/v3/index.json.\nerror:   Connection refused", NuGetIndex);
        Assert.Equal(3, code);
        Assert.Contains("NOT CHECKED: the vulnerability check could not reach its package source", output);
    }

    private (int Code, string Output) Run(string report, string index)
    {
        var reportFile = Path.Combine(folder, "report.txt");
        var indexFile = Path.Combine(folder, "index.json");
        File.WriteAllText(reportFile, report);
        File.WriteAllText(indexFile, index);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(SourceTree.Root, ".ci", "audit-packages"), reportFile, indexFile })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(30_000), "audit-packages did not finish");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
