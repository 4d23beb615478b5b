using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;
using MudBlazor.Services;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Images;

namespace PromptLeo.Tests.Components.Images;

/// <summary>The studio page over the real portal's services: what it shows follows the selected model's capabilities.</summary>
public sealed class ImagesPageCapabilitiesTests : BunitContext, IClassFixture<ImagesPageCapabilitiesTests.Portal>, IAsyncLifetime
{
    /// <summary>The portal with an SD-Turbo, an SD 2.1 and a text-to-image-only model in its models folder.</summary>
    public sealed class Portal : PortalFactory, IAsyncLifetime
    {
        protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Inference:Device"] = "Cpu" };

        public Task InitializeAsync() => PortalDiffusionModels.InstallAsync(Services,
            TinyDiffusionModelOptions.Turbo("page-turbo", TensorPrecision.Float16), TinyDiffusionModelOptions.Sd21("page-sd21"),
            TinyDiffusionModelOptions.Turbo("page-text-only") with { VaeEncoder = false });

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    public ImagesPageCapabilitiesTests(Portal portal)
    {
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddFallbackServiceProvider(portal.Services);
        JSInterop.Mode = JSRuntimeMode.Loose;
        AddAuthorization().SetAuthorized("studio user").SetClaims(new Claim(ClaimTypes.NameIdentifier, "page-" + Guid.NewGuid().ToString("N")));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's input services are only IAsyncDisposable; dispose the container asynchronously first.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    [Fact]
    public async Task SelectModel_Turbo_HidesNegativePromptAndGuidanceAndCapsStepsAtFour()
    {
        var page = await RenderWithAsync("page-turbo");

        Assert.Empty(page.FindAll("#image-negative"));
        Assert.Empty(page.FindAll("#image-guidance"));
        var steps = Field<MudNumericField<int>>(page, "image-steps");
        Assert.Equal((1, 4), (steps.GetState(x => x.Value), steps.Max));
        Assert.Equal("512x512", Field<MudSelect<string>>(page, "image-size").GetState(x => x.Value));
        Assert.Equal(SchedulerKind.Euler, Field<MudSelect<SchedulerKind>>(page, "image-scheduler").GetState(x => x.Value));
        Assert.NotEmpty(page.FindAll("#image-init-panel"));
    }

    [Fact]
    public async Task SelectModel_Sd21_ShowsGuidanceAndAppliesItsDefaults()
    {
        var page = await RenderWithAsync("page-sd21");

        Assert.NotEmpty(page.FindAll("#image-negative"));
        Assert.Equal(7.5f, Field<MudNumericField<float>>(page, "image-guidance").GetState(x => x.Value));
        var steps = Field<MudNumericField<int>>(page, "image-steps");
        Assert.Equal((20, new DiffusionOptions().MaxSteps), (steps.GetState(x => x.Value), steps.Max));
        Assert.Equal("768x768", Field<MudSelect<string>>(page, "image-size").GetState(x => x.Value));
        Assert.Equal(SchedulerKind.Ddim, Field<MudSelect<SchedulerKind>>(page, "image-scheduler").GetState(x => x.Value));
    }

    [Fact]
    public async Task SelectModel_WithoutVaeEncoder_HidesTheImageInput()
    {
        var page = await RenderWithAsync("page-text-only");

        Assert.Empty(page.FindAll("#image-init-panel"));
    }

    [Fact]
    public async Task SelectModel_BackAndForth_EachModelBringsItsOwnDefaults()
    {
        var page = await RenderWithAsync("page-sd21");
        await SelectAsync(page, "page-turbo");
        await SelectAsync(page, "page-sd21");

        Assert.NotEmpty(page.FindAll("#image-guidance"));
        Assert.Equal(20, Field<MudNumericField<int>>(page, "image-steps").GetState(x => x.Value));
    }

    [Theory]
    [InlineData("en", "Random seed each time", "Seed (random)", "Fixed seed: 1234", "Fixed seed")]
    [InlineData("de", "Jedes Mal ein zufälliger Startwert", "Startwert (zufällig)", "Fester Startwert: 1234", "Fester Startwert")]
    public async Task SeedControl_RandomThenFixed_SaysWhatWillHappen(string culture, string random, string randomField, string fixedSwitch, string fixedField)
    {
        var previous = System.Globalization.CultureInfo.CurrentUICulture;
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo(culture);
        try
        {
            var page = await RenderWithAsync("page-sd21");
            var seedSwitch = page.FindComponents<MudSwitch<bool>>().Single(c => Id(c.Instance) == "image-lock-seed");
            var seed = Field<MudNumericField<long>>(page, "image-seed");
            Assert.Equal(random, seedSwitch.Instance.Label);
            Assert.Equal(randomField, seed.Label);
            Assert.True(seed.Disabled);

            await page.InvokeAsync(() => seedSwitch.Instance.ValueChanged.InvokeAsync(true));
            await page.InvokeAsync(() => Field<MudNumericField<long>>(page, "image-seed").ValueChanged.InvokeAsync(1234));

            page.WaitForAssertion(() => Assert.Equal(fixedSwitch, page.FindComponents<MudSwitch<bool>>().Single(c => Id(c.Instance) == "image-lock-seed").Instance.Label));
            Assert.Equal(fixedField, Field<MudNumericField<long>>(page, "image-seed").Label);
            Assert.False(Field<MudNumericField<long>>(page, "image-seed").Disabled);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = previous;
        }
    }

    private async Task<IRenderedComponent<ImagesPage>> RenderWithAsync(string modelId)
    {
        var page = Render<ImagesPage>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#image-model")), TimeSpan.FromSeconds(30));
        await SelectAsync(page, modelId);
        return page;
    }

    private static async Task SelectAsync(IRenderedComponent<ImagesPage> page, string modelId)
    {
        var select = page.FindComponents<MudSelect<string>>().Single(s => Id(s.Instance) == "image-model");
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(modelId));
        page.WaitForAssertion(() => Assert.Equal(modelId, select.Instance.GetState(x => x.Value)), TimeSpan.FromSeconds(30));
    }

    private static T Field<T>(IRenderedComponent<ImagesPage> page, string id) where T : MudComponentBase =>
        page.FindComponents<T>().Single(c => Id(c.Instance) == id).Instance;

    private static string? Id(MudComponentBase component) => component.UserAttributes.TryGetValue("id", out var id) ? id as string : null;
}
