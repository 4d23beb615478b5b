using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cli;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Tests.Web.Models;

/// <summary>The portal installing from a loopback Hugging Face stub that serves a tiny diffusion model.</summary>
public sealed class ModelInstallPortal : PortalFactory
{
    public const string Repository = "test-org/tiny-sd-onnx";

    public ModelInstallPortal()
    {
        Stub = HuggingFaceStub.StartAsync().GetAwaiter().GetResult();
        Stub.AddRepository(Repository, HuggingFaceStub.WriteTinyDiffusionRepository());
    }

    public HuggingFaceStub Stub { get; }

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Inference:HuggingFaceBaseUrl"] = Stub.BaseUrl,
        ["Inference:Device"] = "Cpu",
    };

    public static IReadOnlyList<string> TinyFiles => ModelCatalog.Diffusers(["text_encoder", "unet", "vae_decoder", "vae_encoder"], []).Select(f => f.Path).ToList();

    public ModelPackageRequest Request(string id, bool restricted = false, bool accepted = false) =>
        Services.GetRequiredService<ModelPackageInstaller>().FromRepository(id, Repository, TinyFiles) with
        {
            License = restricted ? "Test Non-Commercial License" : "MIT",
            RequiresLicenseAcceptance = restricted,
            LicenseAccepted = accepted,
        };

    public async Task<string> AdminIdAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(AdminEmail))!.Id;
    }

    public async Task<List<AuditEntry>> AuditAsync(string action)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.Where(a => a.Action == action).ToListAsync();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Stub.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

public sealed class ModelInstallPortalTests(ModelInstallPortal portal) : IClassFixture<ModelInstallPortal>
{
    private ModelInstallJobs Jobs => portal.Services.GetRequiredService<ModelInstallJobs>();
    private IModelRegistry Registry => portal.Services.GetRequiredService<IModelRegistry>();

    [Fact]
    public async Task StartAsync_RestrictedLicenseNotAccepted_RefusedAndNothingLogged()
    {
        var adminId = await portal.AdminIdAsync();

        await Assert.ThrowsAsync<ModelLicenseNotAcceptedException>(() => Jobs.StartAsync(adminId, portal.Request("restricted-refused", restricted: true)));

        Assert.Null(Jobs.Get("restricted-refused"));
        Assert.DoesNotContain(await portal.AuditAsync(ModelAuditActions.LicenseAccepted), a => a.Details.Contains("restricted-refused"));
        Assert.Null(Registry.Get("restricted-refused"));
    }

    [Fact]
    public async Task StartAsync_RestrictedLicenseAccepted_InstallsInBackgroundAndAuditsAcceptance()
    {
        var adminId = await portal.AdminIdAsync();

        await Jobs.StartAsync(adminId, portal.Request("restricted-accepted", restricted: true, accepted: true));
        await Jobs.WaitAsync("restricted-accepted");

        var job = Jobs.Get("restricted-accepted")!;
        Assert.Equal(ModelInstallPhase.Completed, job.Phase);
        Assert.Equal(100, job.Percent);
        Assert.All(job.Files, f => Assert.True(f.Done));
        Assert.Equal("Test Non-Commercial License", Registry.Get("restricted-accepted")!.Manifest.License);
        var acceptance = Assert.Single(await portal.AuditAsync(ModelAuditActions.LicenseAccepted), a => a.Details.Contains("restricted-accepted"));
        Assert.Equal(adminId, acceptance.ActorId);
        Assert.Contains("Test Non-Commercial License", acceptance.Details);
        Assert.Contains(await portal.AuditAsync(ModelAuditActions.InstallStarted), a => a.Details.Contains("restricted-accepted") && a.ActorId == adminId);
        Assert.Contains(await portal.AuditAsync(ModelAuditActions.Installed), a => a.Details.Contains("restricted-accepted") && a.ActorId == adminId);
    }

    [Fact]
    public async Task AdminPage_ShowsInstallPanelWithCatalogAndLicenseFlags()
    {
        var client = portal.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);

        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/admin"));

        Assert.Contains("id=\"model-install\"", html);
        foreach (var entry in ModelCatalog.Entries)
            Assert.Contains($"data-catalog-id=\"{entry.Id}\"", html);
        Assert.Contains("Stability AI Community License", html);
        Assert.Contains("I accept this license on behalf of the operator", html);
    }

    [Fact]
    public async Task Cli_InstallRepositoryFiles_InstallsFromConfiguredBaseUrl()
    {
        var output = new StringWriter();
        var args = new List<string> { "models", "install", "--id", "cli-tiny", "--repo", ModelInstallPortal.Repository };
        foreach (var file in ModelInstallPortal.TinyFiles)
            args.AddRange(["--file", file]);

        Assert.Equal(0, await CommandLine.RunAsync(portal.Services, [.. args], output, new StringReader("")));

        Assert.Contains("Installed cli-tiny", output.ToString());
        Assert.Contains($"[{ModelInstallPortal.TinyFiles.Count}/{ModelInstallPortal.TinyFiles.Count}]", output.ToString());
        Assert.Equal(ModelKind.Diffusion, Registry.Get("cli-tiny")!.Manifest.Kind);
    }

    [Fact]
    public async Task Cli_RestrictedCatalogModelWithoutFlag_RefusedBeforeDownload()
    {
        var output = new StringWriter();

        Assert.Equal(2, await CommandLine.RunAsync(portal.Services, ["models", "install", "sdxl-turbo-onnx"], output, new StringReader("")));

        Assert.Contains("--accept-license", output.ToString());
        Assert.DoesNotContain(portal.Stub.Requests, r => r.Path.Contains("sdxl-turbo"));
    }

    [Fact]
    public async Task Cli_RestrictedCatalogModelWithFlag_AuditsAcceptanceThenReportsTheMissingFile()
    {
        var output = new StringWriter();

        // The stub has no copy of this repository: the acceptance is logged, then the size probe fails clearly.
        Assert.Equal(1, await CommandLine.RunAsync(portal.Services, ["models", "install", "sd-turbo-onnx", "--accept-license"], output, new StringReader("")));

        Assert.Contains("HTTP 404", output.ToString());
        var acceptance = Assert.Single(await portal.AuditAsync(ModelAuditActions.LicenseAccepted), a => a.Details.Contains("sd-turbo-onnx"));
        Assert.Equal(PromptLeo.Web.Features.Privacy.AuditActions.System, acceptance.ActorId);
        Assert.Null(Registry.Get("sd-turbo-onnx"));
        Assert.False(Directory.Exists(Path.Combine(portal.DataDirectory, "models", ".downloads", "sd-turbo-onnx")));
    }

    [Fact]
    public async Task Cli_Catalog_ListsSizeLicenseAndRestriction()
    {
        var output = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(portal.Services, ["models", "catalog"], output, new StringReader("")));
        Assert.Contains("flux.1-schnell-onnx\tDiffusion\t", output.ToString());
        Assert.Contains("restricted (--accept-license)", output.ToString());
    }
}
