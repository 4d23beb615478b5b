using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Web.Models;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Tests.Components.Models;

/// <summary>The install panel over the portal's real install jobs and installer (downloads from the loopback stub).</summary>
public sealed class ModelInstallPanelTests : BunitContext, IClassFixture<ModelInstallPortal>, IAsyncLifetime
{
    private readonly ModelInstallPortal portal;

    public ModelInstallPanelTests(ModelInstallPortal portal)
    {
        this.portal = portal;
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddSingleton(portal.Services.GetRequiredService<ModelInstallJobs>());
        Services.AddSingleton(portal.Services.GetRequiredService<ModelPackageInstaller>());
        JSInterop.Mode = JSRuntimeMode.Loose;
        AddAuthorization().SetAuthorized("admin@promptleo.test");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's input services are only IAsyncDisposable; dispose the container asynchronously first.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    [Fact]
    public async Task RunningInstall_ShowsFileAndOverallProgress_CancelStopsIt()
    {
        var jobs = portal.Services.GetRequiredService<ModelInstallJobs>();
        portal.Stub.ChunkDelayMs = 40;
        try
        {
            await jobs.StartAsync(await portal.AdminIdAsync(), portal.Request("panel-cancel"));
            var cut = Render<ModelInstallPanel>();

            // Installing the same model again while it runs is refused with a message.
            Field(cut, "repo-model-id").Change("panel-cancel");
            Field(cut, "repo-name").Change(ModelInstallPortal.Repository);
            Field(cut, "repo-files").Change(string.Join("\n", ModelInstallPortal.TinyFiles));
            await cut.InvokeAsync(() => cut.Find("#repo-install").Click());
            Assert.Contains("already being installed", cut.Find("#install-message").TextContent);

            cut.WaitForAssertion(() =>
            {
                var job = cut.Find("[data-install-id=panel-cancel]");
                Assert.Equal("Running", job.GetAttribute("data-phase"));
                Assert.Equal(ModelInstallPortal.TinyFiles.Count, job.QuerySelectorAll(".install-file").Length);
                Assert.Contains(job.QuerySelectorAll(".install-file"), f => f.GetAttribute("data-percent") == "100");
                Assert.InRange(int.Parse(job.QuerySelector(".install-overall")!.GetAttribute("data-percent")!), 1, 99);
            }, TimeSpan.FromSeconds(20));

            // Progress keeps re-rendering the panel: find and click in one dispatcher turn.
            await cut.InvokeAsync(() => cut.Find("[data-install-id=panel-cancel] .install-cancel").Click());

            cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find("[data-install-id=panel-cancel]").GetAttribute("data-phase")), TimeSpan.FromSeconds(20));
            Assert.Null(portal.Services.GetRequiredService<IModelRegistry>().Get("panel-cancel"));
            Assert.False(Directory.Exists(Path.Combine(portal.DataDirectory, "models", "panel-cancel")));

            await cut.InvokeAsync(() => cut.Find("[data-install-id=panel-cancel] .install-discard").Click());
            // Discarding waits for the job to finish writing its audit entry.
            cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-install-id=panel-cancel]")), TimeSpan.FromSeconds(20));
            Assert.False(Directory.Exists(Path.Combine(portal.DataDirectory, "models", ".downloads", "panel-cancel")));
            Assert.Contains(await portal.AuditAsync(ModelAuditActions.InstallFailed), a => a.Details.Contains("panel-cancel") && a.Details.Contains("Cancelled"));
        }
        finally
        {
            portal.Stub.ChunkDelayMs = 0;
        }
    }

    // MudTextField puts the id on its input or textarea.
    private static AngleSharp.Dom.IElement Field(IRenderedComponent<ModelInstallPanel> cut, string id) =>
        cut.Find($"input#{id}, textarea#{id}, #{id} input, #{id} textarea");

    [Fact]
    public void RestrictedCatalogModel_InstallDisabledUntilLicenseAccepted()
    {
        var cut = Render<ModelInstallPanel>();
        const string row = "[data-catalog-id=sdxl-turbo-onnx]";

        Assert.True(cut.Find($"{row} .catalog-install").HasAttribute("disabled"));
        Assert.Contains("Stability AI Community License", cut.Find(row).TextContent);

        cut.Find($"{row} .license-accept").Change(true);

        Assert.False(cut.Find($"{row} .catalog-install").HasAttribute("disabled"));
        Assert.False(cut.Find("[data-catalog-id='flux.1-schnell-onnx'] .catalog-install").HasAttribute("disabled"));
    }
}
