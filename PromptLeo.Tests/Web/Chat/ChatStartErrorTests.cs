using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.Chat;

public sealed class ChatStartErrorTests
{
    private static readonly IStringLocalizer<ChatResource> T = new StringLocalizer<ChatResource>(
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions { ResourcesPath = "" }), NullLoggerFactory.Instance));

    [Fact]
    public void From_ModelGone_NamesTheModelAndClearsIt()
    {
        var error = ChatStartError.From(new ModelNotFoundException("gone-model"), T);

        Assert.Equal(("gone-model", Severity.Error, false), (error.MissingModelId, error.Severity, error.Unexpected));
        Assert.Contains("gone-model", error.Message);
    }

    [Fact]
    public void From_ModelDisabled_InGerman_NamesTheModelAndClearsIt()
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo("de");
        try
        {
            var error = ChatStartError.From(new PromptLeo.Web.Features.Models.ModelDisabledException("off-model"), T);

            Assert.Equal(("off-model", Severity.Error, false), (error.MissingModelId, error.Severity, error.Unexpected));
            Assert.Equal("Das Modell „off-model“ wurde von der Administration deaktiviert. Ihre Nachricht wurde behalten; wählen Sie ein anderes Modell.", error.Message);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public void From_Restricted_SetsTheNoticeAndTheSnackbarText()
    {
        var error = ChatStartError.From(new ProcessingRestrictedException("Processing is restricted."), T);

        Assert.Equal(error.Message, error.RestrictedMessage);
        Assert.Contains("Processing is restricted.", error.RestrictedMessage);
    }

    [Fact]
    public void From_Cancel_ShowsNothing_UnknownError_IsUnexpected()
    {
        Assert.Null(ChatStartError.From(new OperationCanceledException(), T).Message);
        var unknown = ChatStartError.From(new InvalidOperationException("boom"), T);
        Assert.True(unknown.Unexpected);
        Assert.DoesNotContain("boom", unknown.Message);
    }

    [Fact]
    public void From_Budget_InGerman_IsLocalized()
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo("de");
        try
        {
            var error = ChatStartError.From(new BudgetExceededException("x"), T);
            Assert.NotEqual("Your budget does not cover this request: x", error.Message);
            Assert.EndsWith("x", error.Message);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Theory]
    [InlineData(BudgetLimit.Organization, "Monatsbudget der Organisation", "monthly budget of the organization")]
    [InlineData(BudgetLimit.Member, "Ihr Monatsbudget in dieser Organisation", "your monthly budget in this organization")]
    [InlineData(BudgetLimit.ApiKey, "Monatsbudget dieses API-Schlüssels", "monthly budget of this API key")]
    [InlineData(BudgetLimit.PrepaidCredit, "Guthaben der Organisation", "prepaid credit of the organization")]
    public void From_BudgetLimit_NamesTheLimitInTheUsersLanguage(BudgetLimit limit, string german, string english)
    {
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("de");
            var inGerman = ChatStartError.From(BudgetExceededException.For(limit), T).Message;
            CultureInfo.CurrentUICulture = new CultureInfo("en");
            var inEnglish = ChatStartError.From(BudgetExceededException.For(limit), T).Message;

            Assert.StartsWith("Ihr Budget deckt diese Anfrage nicht: ", inGerman);
            Assert.Contains(german, inGerman);
            Assert.DoesNotContain(english, inGerman);
            Assert.Contains(english, inEnglish);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
