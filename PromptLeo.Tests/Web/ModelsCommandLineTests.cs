using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Cli;

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
}
