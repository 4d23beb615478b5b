using System.Reflection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>The organization audit log shows every action it can hold in words, in English and German.</summary>
public sealed class OrganizationAuditLabelsTests
{
    // Every class whose actions are all written with the organization's id (OrganizationDirectory.Audit, payment entries).
    private static readonly Type[] ActionClasses = [typeof(OrganizationAuditActions), typeof(PromptLeo.Web.Features.Organizations.Sso.SsoAuditActions), typeof(PaymentAuditActions)];

    private static IEnumerable<string> DefinedActions() => ActionClasses
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)).Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        // The account-log actions written with the organization's id (ApiKeyService.CreateAsync and UpdateAsync, PriceList.SetAsync for a contracted price).
        .Concat([PromptLeo.Web.Features.Privacy.AuditActions.ApiKeyCreated, PromptLeo.Web.Features.Privacy.AuditActions.ApiKeyChanged, PromptLeo.Web.Features.Privacy.AuditActions.PriceChanged]);

    [Fact]
    public void Labels_EveryDefinedOrganizationAction_HasEnglishAndGermanLabel()
    {
        var german = GermanStrings.Load("OrganizationsResource");
        var actions = DefinedActions().ToList();
        Assert.True(actions.Count >= 20, $"expected the organization, SSO and payment actions, found {actions.Count}");

        var unlabelled = actions.Where(a => !OrganizationAuditLabels.English.ContainsKey(a)).ToList();
        Assert.True(unlabelled.Count == 0, "Actions without a label: " + string.Join(", ", unlabelled));
        var untranslated = actions.Select(a => OrganizationAuditLabels.English[a]).Where(l => !german.TryGetValue(l, out var value) || string.IsNullOrWhiteSpace(value)).ToList();
        Assert.True(untranslated.Count == 0, "Labels without German: " + string.Join(", ", untranslated));
        // No two actions read alike, in either language.
        Assert.Equal(actions.Count, actions.Select(a => OrganizationAuditLabels.English[a]).Distinct().Count());
        Assert.Equal(actions.Count, actions.Select(a => german[OrganizationAuditLabels.English[a]]).Distinct().Count());
    }

    [Fact]
    public void Labels_NoLabelForAnActionNobodyDefines_FilterOffersExactlyTheDefinedOnes()
    {
        Assert.Equal(DefinedActions().Order(StringComparer.Ordinal), OrganizationAuditLog.Actions.Order(StringComparer.Ordinal));
    }
}
