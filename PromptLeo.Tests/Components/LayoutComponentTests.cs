using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptLeo.Web.Components.Layout;
using PromptLeo.Web.Components.Pages;
using PromptLeo.Web.Components.Shared;
using PromptLeo.Web.Features.Accounts;

namespace PromptLeo.Tests.Components;

public sealed class LayoutComponentTests : BunitContext
{
    public LayoutComponentTests()
    {
        Services.AddMudServices();
        Services.AddLocalization();
        JSInterop.Mode = JSRuntimeMode.Loose;
        // The organization switcher reads the database; its own tests are Web/Organizations and the browser test.
        ComponentFactories.AddStub<PromptLeo.Web.Features.Organizations.OrganizationSwitcher>();
    }

    [Fact]
    public void NavMenu_RegularUser_HasFeatureLinksButNoAdmin()
    {
        AddAuthorization().SetAuthorized("user@example.de");
        var cut = Render<NavMenu>();
        foreach (var id in new[] { "nav-chat", "nav-images", "nav-billing", "nav-privacy", "nav-api-keys" })
        {
            Assert.NotNull(cut.Find($"#{id}"));
        }
        Assert.Empty(cut.FindAll("#nav-admin"));
    }

    [Fact]
    public void NavMenu_Admin_ShowsAdminLink()
    {
        AddAuthorization().SetAuthorized("admin@example.de").SetRoles(Roles.Admin);
        var cut = Render<NavMenu>();
        Assert.Contains("admin", cut.Find("#nav-admin").GetAttribute("href"));
    }

    [Fact]
    public void StatusPage_403_ShowsAccessDenied()
    {
        var cut = Render<StatusPage>(p => p.Add(x => x.Code, 403));
        Assert.NotNull(cut.Find("#access-denied"));
    }

    [Fact]
    public void StatusPage_500_ShowsCode()
    {
        var cut = Render<StatusPage>(p => p.Add(x => x.Code, 500));
        Assert.Contains("Error 500", cut.Markup);
    }

    [Fact]
    public void FeaturePending_SaysAreaIsNotAvailable()
    {
        var cut = Render<FeaturePending>(p => p.Add(x => x.Title, "Chat").Add(x => x.Description, "desc"));
        Assert.Contains("not available yet", cut.Find("#feature-pending").TextContent);
    }
}
