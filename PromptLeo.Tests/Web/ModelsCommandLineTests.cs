using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Cli;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web;

public sealed class ModelsCommandLineTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task CreateDemo_WritesAllDemoModelsIntoDataFolder_AndRegistryListsThem()
    {
        var output = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(factory.Services, ["models", "create-demo", "--overwrite"], output, new StringReader("")));
        Assert.Contains(Path.Combine(factory.DataDirectory, "models"), output.ToString());

        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        var models = registry.List().ToDictionary(m => m.Manifest.Id);
        Assert.Equal(ModelKind.Chat, models["demo-chat"].Manifest.Kind);
        Assert.Equal(ModelKind.Diffusion, models["demo-sd-tiny"].Manifest.Kind);
        Assert.Equal(ModelKind.Diffusion, models["demo-sd-tiny-inpainting"].Manifest.Kind);
        Assert.Equal(ModelKind.Diffusion, models["demo-sdxl-tiny"].Manifest.Kind);
        Assert.Equal(ModelKind.Diffusion, models["demo-sdxl-turbo-tiny"].Manifest.Kind);
        Assert.Equal(ModelKind.BackgroundRemoval, models["demo-background-removal"].Manifest.Kind);
        Assert.All(models.Values, m => Assert.True(m.Manifest.IsDemo));
        Assert.All(models.Values, m => Assert.Contains("random weights", m.Manifest.DisplayName, StringComparison.OrdinalIgnoreCase));
        Assert.True(File.Exists(Path.Combine(factory.DataDirectory, "models", "demo-chat", "manifest.json")));
    }

    [Fact]
    public async Task List_AfterDemo_ShowsStatus()
    {
        await CommandLine.RunAsync(factory.Services, ["models", "create-demo"], new StringWriter(), new StringReader(""));
        var output = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(factory.Services, ["models", "list"], output, new StringReader("")));
        Assert.Contains("demo-chat\tChat\t", output.ToString());
    }

    [Fact]
    public async Task Catalog_ListsRealModels()
    {
        var output = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(factory.Services, ["models", "catalog"], output, new StringReader("")));
        Assert.Contains("Qwen2.5", output.ToString());
        Assert.Contains("Llama", output.ToString());
    }

    [Fact]
    public async Task Install_UnknownCatalogId_FailsClearly()
    {
        var output = new StringWriter();
        Assert.Equal(2, await CommandLine.RunAsync(factory.Services, ["models", "install", "no-such-model"], output, new StringReader("")));
        Assert.Contains("not in the catalog", output.ToString());
    }

    [Fact]
    public async Task Install_RelativeUrl_FailsClearly()
    {
        var output = new StringWriter();
        Assert.Equal(2, await CommandLine.RunAsync(factory.Services, ["models", "install", "--id", "x", "--url", "not-a-url"], output, new StringReader("")));
        Assert.Contains("absolute http(s) URL", output.ToString());
    }

    [Fact]
    public async Task AdminPage_ShowsModelStatusWithDemoLabel()
    {
        await CommandLine.RunAsync(factory.Services, ["models", "create-demo"], new StringWriter(), new StringReader(""));
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var html = await client.GetStringAsync("/admin");
        Assert.Contains("id=\"admin-models\"", html);
        Assert.Contains("data-model-id=\"demo-chat\"", html);
        Assert.Contains("Demo (random weights)", html);
    }

    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var code = await CommandLine.RunAsync(factory.Services, args, output, new StringReader(""));
        return (code, output.ToString());
    }

    private async Task<List<AuditEntry>> CliAuditAsync(string action)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().Where(a => a.Action == action && a.ActorId == AuditActions.CommandLine).ToListAsync();
    }

    [Fact]
    public async Task DisableEnable_ListShowsIt_RequestsRefused_AuditedAsCli()
    {
        await RunAsync("models", "create-demo");
        var availability = factory.Services.GetRequiredService<ModelAvailability>();

        Assert.Equal((0, "demo-background-removal is disabled.\n"), (await RunAsync("models", "disable", "demo-background-removal")));
        Assert.Contains("demo-background-removal\tBackgroundRemoval\tNotLoaded (disabled)\t", (await RunAsync("models", "list")).Output);
        Assert.False(availability.IsOffered("demo-background-removal"));
        await Assert.ThrowsAsync<ModelDisabledException>(() => availability.EnsureEnabledAsync("demo-background-removal", CancellationToken.None));
        Assert.Contains("(no change)", (await RunAsync("models", "disable", "demo-background-removal")).Output);

        Assert.Equal(0, (await RunAsync("models", "enable", "demo-background-removal")).Code);
        Assert.True(availability.IsOffered("demo-background-removal"));
        Assert.Single(await CliAuditAsync(AuditActions.ModelDisabled), a => a.Details == "demo-background-removal");
        Assert.Single(await CliAuditAsync(AuditActions.ModelEnabled), a => a.Details == "demo-background-removal");
        Assert.Equal((1, "models disable: Model 'no-such-model' is not installed.\n"), (await RunAsync("models", "disable", "no-such-model")));
    }

    [Fact]
    public async Task Price_SetsANewVersionKeepingTheOtherUnitPrices()
    {
        await RunAsync("models", "create-demo");
        var prices = factory.Services.GetRequiredService<PriceList>();

        var (code, output) = await RunAsync("models", "price", "demo-sd-tiny", "--image", "0.5");
        Assert.Equal(0, code);
        Assert.Contains("image 0.5 EUR per megapixel-step", output);
        var first = (await prices.ListCurrentAsync()).Single(p => p.ModelId == "demo-sd-tiny");
        Assert.Equal(Money.FromEuro(0.5m), first.ImageMicrosPerMegapixelStep);

        Assert.Equal(0, (await RunAsync("models", "price", "demo-sd-tiny", "--input", "2")).Code);
        var second = (await prices.ListCurrentAsync()).Single(p => p.ModelId == "demo-sd-tiny");
        Assert.Equal((first.Version + 1, Money.FromEuro(2m), first.OutputMicrosPerMillionTokens, first.ImageMicrosPerMegapixelStep),
            (second.Version, second.InputMicrosPerMillionTokens, second.OutputMicrosPerMillionTokens, second.ImageMicrosPerMegapixelStep));
        Assert.Equal(2, (await CliAuditAsync(AuditActions.PriceChanged)).Count(a => a.Details.StartsWith("demo-sd-tiny v", StringComparison.Ordinal)));

        Assert.Equal(2, (await RunAsync("models", "price", "demo-sd-tiny", "--input", "-1")).Code);
        Assert.Equal(2, (await RunAsync("models", "price", "demo-sd-tiny", "--cheap", "1")).Code);
        Assert.Equal(2, (await RunAsync("models", "price", "demo-sd-tiny")).Code);
        Assert.Equal(second.Version, (await prices.ListCurrentAsync()).Single(p => p.ModelId == "demo-sd-tiny").Version);
    }

    [Fact]
    public async Task CheckAndDelete_LoadsReportingMemory_ThenDeletesTheFolder()
    {
        var models = Path.Combine(factory.DataDirectory, "models");
        await DemoChatModelWriter.WriteAsync(models, TinyModels.ChatModel("cli-extra"));
        var folder = Path.Combine(models, "cli-extra");
        await ModelManifestFile.WriteAsync(folder, (await ModelManifestFile.ReadAsync(folder)) with { IsDemo = false });
        await factory.Services.GetRequiredService<IModelRegistry>().RescanAsync();

        var (code, output) = await RunAsync("models", "check", "cli-extra");
        Assert.Equal(0, code);
        Assert.Matches(@"^cli-extra loads on CPU \(cpu\): [1-9][0-9]* bytes resident \(estimated [1-9][0-9]* before loading\)\.", output);

        Assert.Equal(0, (await RunAsync("models", "delete", "cli-extra")).Code);
        Assert.False(Directory.Exists(Path.Combine(models, "cli-extra")));
        Assert.Single(await CliAuditAsync(AuditActions.ModelDeleted), a => a.Details == "cli-extra");
        Assert.Equal(1, (await RunAsync("models", "delete", "cli-extra")).Code);
        Assert.Equal(2, (await RunAsync("models", "delete")).Code);
    }
}
