using System.Text.Json;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Hosting;

/// <summary>What README.md and docs/operations.md say about the run command and the deployment files.</summary>
public sealed class DeploymentFilesTests
{
    [Fact]
    public void ReadmeRunCommand_RunsTheDevelopmentLaunchProfile_AsTheReadmeSays()
    {
        using var launch = JsonDocument.Parse(File.ReadAllText(Path.Combine(SourceTree.WebProject, "Properties", "launchSettings.json")));
        // `dotnet run` takes the first profile.
        var first = launch.RootElement.GetProperty("profiles").EnumerateObject().First();
        var readme = File.ReadAllText(Path.Combine(SourceTree.Root, "README.md"));

        Assert.Equal("http", first.Name);
        Assert.Equal("Development", first.Value.GetProperty("environmentVariables").GetProperty("ASPNETCORE_ENVIRONMENT").GetString());
        Assert.Contains("dotnet run --project PromptLeo.Web --urls http://127.0.0.1:5080", readme);
        Assert.Contains("**Development** environment (the `http` profile", readme);
    }

    [Theory]
    [InlineData("User=promptleo")]
    [InlineData("WorkingDirectory=/opt/promptleo/current")]
    [InlineData("Environment=ASPNETCORE_ENVIRONMENT=Production")]
    [InlineData("UMask=0077")]
    [InlineData("ProtectSystem=strict")]
    [InlineData("ReadWritePaths=/var/lib/promptleo")]
    [InlineData("StateDirectory=promptleo promptleo-ledger")]
    [InlineData("Environment=Storage__ErasureLedgerPath=/var/lib/promptleo-ledger/erasure-ledger.txt")]
    [InlineData("ProtectHome=true")]
    [InlineData("PrivateTmp=true")]
    [InlineData("PrivateDevices=true")]
    [InlineData("NoNewPrivileges=true")]
    [InlineData("CapabilityBoundingSet=")]
    [InlineData("RestrictNamespaces=true")]
    [InlineData("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6")]
    public void SystemdUnit_HasTheDocumentedSetting(string setting)
    {
        var lines = File.ReadAllLines(Path.Combine(SourceTree.Root, "deploy", "systemd", "promptleo.service")).Select(l => l.Trim()).ToList();
        Assert.Contains(setting, lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("MemoryDenyWriteExecute=", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Password=", StringComparison.Ordinal) && !l.StartsWith('#'));
    }
}
