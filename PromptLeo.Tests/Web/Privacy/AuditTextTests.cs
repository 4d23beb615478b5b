using Microsoft.Extensions.Localization;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>Issue 17: audit details never show a raw enum name, in English as in German.</summary>
public sealed class AuditTextTests
{
    // Every enum whose values are written into audit details (OrganizationMembers, SsoSignIn, CreditAccount,
    // BreachRegister, ModelInstallJobs, SubProcessorChanges).
    public static TheoryData<string> DetailEnumValues() =>
    [
        .. Enum.GetNames<OrganizationRole>(), .. Enum.GetNames<BillingMode>(), .. Enum.GetNames<BreachRisk>(),
        .. Enum.GetNames<ModelInstallPhase>(), .. Enum.GetNames<SubProcessorChangeKind>(),
    ];

    [Theory]
    [MemberData(nameof(DetailEnumValues))]
    public void EnumLabel_EveryDetailEnumValue_ReadableInEnglishAndTranslatedInGerman(string name)
    {
        Assert.True(AuditText.EnumLabels.TryGetValue(name, out var english), $"{name} has no label");
        Assert.NotEqual(name, english);
        var german = InCulture("de", p => AuditText.Translation(p, english));
        Assert.NotNull(german);
        var details = $"role {name}";
        Assert.Equal($"role {english}", InCulture("en", p => AuditText.Details(p, details)));
        Assert.Equal($"Rolle {german}", InCulture("de", p => AuditText.Details(p, details)));
    }

    [Theory]
    [InlineData("de", "Budget der Organisation 1.234,50 €, Modus auf Rechnung")]
    [InlineData("en", "organization budget 1,234.50 €, mode pay by invoice")]
    public void Details_BillingModeAndMicros_InTheReadersLanguage(string culture, string expected) =>
        Assert.Equal(expected, InCulture(culture, p => AuditText.Details(p, "organization budget 1234500000 micro-EUR, mode Postpaid")));

    [Theory]
    [InlineData("de", "Vorfall 3; Risiko hoch; Konten 2 (0 gelöscht); Einträge 5")]
    [InlineData("en", "incident 3; risk high; accounts 2 (0 erased); records 5")]
    public void Details_BreachRisk_InTheReadersLanguage(string culture, string expected) =>
        Assert.Equal(expected, InCulture(culture, p => AuditText.Details(p, "incident 3; risk HighRisk; accounts 2 (0 erased); records 5")));

    [Theory]
    [InlineData("de", "Mitglied abc, Inhaber -> Admin")]
    [InlineData("en", "member abc, owner -> admin")]
    public void Details_RoleChange_InTheReadersLanguage(string culture, string expected) =>
        Assert.Equal(expected, InCulture(culture, p => AuditText.Details(p, "member abc, Owner -> Admin")));

    private static string? InCulture(string culture, Func<IStringLocalizer, string?> text) => Localized.In<PrivacyResource, string?>(culture, text);
}
