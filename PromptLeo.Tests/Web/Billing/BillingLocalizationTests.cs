using System.Text.RegularExpressions;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Billing;

public sealed class BillingLocalizationTests
{
    [Theory]
    [InlineData("BillingResource", "Features/Billing", "B")]
    [InlineData("BillingResource", "Features/Billing", "strings")]
    [InlineData("ApiKeysResource", "Features/ApiKeys", "K")]
    [InlineData("OrganizationSettingsResource", "Features/Billing", "O")]
    public void EveryKey_HasGermanTranslation(string resource, string folder, string variable)
    {
        var keys = GermanStrings.Keys(new Regex($$"""\b{{variable}}\["((?:[^"\\]|\\.)+)"[,\]]"""), 1, folder);
        var missing = GermanStrings.Missing(GermanStrings.Load(resource), keys);
        Assert.True(keys.Count > 0);
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }
}
