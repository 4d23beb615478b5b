using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Admin;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Admin;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Tests.Components.Admin;

/// <summary>The admin page's models panel, clicked, against the real app's services (registry, database, audit log).</summary>
public sealed class ModelStatusPanelTests : BunitContext, IAsyncLifetime, IClassFixture<CpuDemoPortal>
{
    private const string Background = DemoModelSet.DemoBackgroundRemovalModelId;
    private readonly CpuDemoPortal portal;

    public ModelStatusPanelTests(CpuDemoPortal portal)
    {
        this.portal = portal;
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddLogging();
        Services.AddSingleton(portal.Services.GetRequiredService<ModelAdministration>());
        Services.AddSingleton(portal.Services.GetRequiredService<IModelRegistry>());
        Services.AddSingleton(portal.Services.GetRequiredService<IOptions<InferenceOptions>>());
        Services.AddSingleton(portal.Services.GetRequiredService<PromptLeo.Inference.Llm.IPromptCache>());
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private string AdminId { get; set; } = "";

    public async Task InitializeAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        AdminId = (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(PortalFactory.AdminEmail))!.Id;
        AddAuthorization().SetAuthorized(PortalFactory.AdminEmail).SetRoles(Roles.Admin).SetClaims(new Claim(ClaimTypes.NameIdentifier, AdminId));
    }

    // MudBlazor's input services are only IAsyncDisposable; dispose the container asynchronously first.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private static string Message(IRenderedComponent<ModelStatusPanel> cut) => cut.Find("#models-message").TextContent;

    [Theory]
    [InlineData("de", "Bilderzeugung", "Hintergrund entfernen")]
    [InlineData("en", "Image generation", "Background removal")]
    public void KindColumn_ReadersWords_NeverTheEnumName(string culture, string diffusion, string background)
    {
        var previous = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo(culture);
        try
        {
            var cut = Render<ModelStatusPanel>();

            Assert.Equal(diffusion, cut.Find($"tr[data-model-id='{DemoModelSet.DemoDiffusionModelId}'] .admin-model-kind").TextContent.Trim());
            Assert.Equal(background, cut.Find($"tr[data-model-id='{Background}'] .admin-model-kind").TextContent.Trim());
            Assert.DoesNotContain(cut.FindAll(".admin-model-kind"), cell => cell.TextContent.Trim() is "Diffusion" or "BackgroundRemoval");
        }
        finally
        {
            (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture) = previous;
        }
    }

    [Fact]
    public void LoadThenUnload_ShowsDeviceAndMemory()
    {
        var cut = Render<ModelStatusPanel>();

        cut.Find($"[data-model-load='{Background}']").Click();
        cut.WaitForAssertion(() => Assert.Contains($"{Background} is loaded on CPU", Message(cut)), TimeSpan.FromSeconds(30));
        Assert.Contains("resident", cut.Find($"tr[data-model-id='{Background}'] .model-memory").TextContent);

        cut.Find($"[data-model-unload='{Background}']").Click();
        cut.WaitForAssertion(() => Assert.Equal($"{Background} is unloaded.", Message(cut)));
        Assert.Contains("(estimate)", cut.Find($"tr[data-model-id='{Background}'] .model-memory").TextContent);
    }

    [Fact]
    public async Task EnableSwitch_Off_DisablesForUsers_AndOnAgain()
    {
        var availability = portal.Services.GetRequiredService<ModelAvailability>();
        var cut = Render<ModelStatusPanel>();
        try
        {
            cut.Find($"input[data-enable-toggle='{Background}']").Change(false);

            cut.WaitForAssertion(() => Assert.Equal("false", cut.Find($"tr[data-model-id='{Background}']").GetAttribute("data-enabled")));
            Assert.Contains("requests for it are refused", Message(cut));
            Assert.False(availability.IsOffered(Background));

            cut.Find($"input[data-enable-toggle='{Background}']").Change(true);
            cut.WaitForAssertion(() => Assert.Equal("true", cut.Find($"tr[data-model-id='{Background}']").GetAttribute("data-enabled")));
            Assert.True(availability.IsOffered(Background));
        }
        finally
        {
            await portal.Services.GetRequiredService<ModelAdministration>().SetEnabledAsync(AdminId, Background, enabled: true);
        }
    }

    [Fact]
    public void Delete_DemoModelWhileDemoModelsAreWritten_AsksFirstThenExplainsTheRefusal()
    {
        var cut = Render<ModelStatusPanel>();

        cut.Find($"[data-model-delete='{ApiPortalFactory.ChatModel}']").Click();
        Assert.Contains("This cannot be undone.", cut.Find(".model-delete-confirm").TextContent);
        cut.Find($"[data-model-delete-confirm='{ApiPortalFactory.ChatModel}']").Click();

        cut.WaitForAssertion(() => Assert.Contains("Demo models are written again at every start", Message(cut)));
        Assert.Empty(cut.FindAll(".model-delete-confirm"));
        Assert.NotNull(portal.Services.GetRequiredService<IModelRegistry>().Get(ApiPortalFactory.ChatModel));
    }

    [Fact]
    public async Task PriceEditor_Save_AddsAVersionForThatModel()
    {
        var cut = Render<ModelStatusPanel>();

        cut.Find($"[data-price-edit='{Background}']").Click();
        cut.FindAll(".model-price-editor input")[0].Change("7");
        cut.Find($"[data-price-save='{Background}']").Click();

        cut.WaitForAssertion(() => Assert.Contains($"saved for {Background}; it applies to new requests.", Message(cut)));
        var current = (await portal.Services.GetRequiredService<PriceList>().ListCurrentAsync()).Single(p => p.ModelId == Background);
        Assert.Equal((Money.FromEuro(7m), AdminId), (current.InputMicrosPerMillionTokens, current.ChangedBy));
        Assert.DoesNotContain("(default)", cut.Find($"tr[data-model-id='{Background}'] .model-price").TextContent);
    }
}
