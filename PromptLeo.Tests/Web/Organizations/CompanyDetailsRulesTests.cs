using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Web.Organizations;

public sealed class CompanyDetailsRulesTests
{
    private static OrganizationDetails Details(string? country = "DE", string? vatId = null, string name = "Muster GmbH", string? street = "Hauptstr. 1") =>
        new(name, street, "10115", "Berlin", country, vatId, "de");

    [Theory]
    [InlineData("DE", null)]
    [InlineData("DE", "DE 123 456 789")]
    [InlineData("GR", "EL123456789")]
    [InlineData("AT", "ATU12345678")]
    [InlineData("CH", "CHE-123.456.789 MWST")]
    public void Problems_CompleteCompany_None(string country, string? vatId) =>
        Assert.Empty(CompanyDetailsRules.Problems(Details(country, vatId)));

    [Theory]
    [InlineData("DE", "FR12345678901")]
    [InlineData("DE", "123456789")]
    [InlineData("DE", "DE1")]
    [InlineData("DE", "DE12345678901234567")]
    public void Problems_VatIdOfAnotherCountryOrMalformed_VatProblem(string country, string vatId) =>
        Assert.Contains(CompanyDetailsRules.Problems(Details(country, vatId)), p => p.StartsWith("The VAT ID", StringComparison.Ordinal));

    [Fact]
    public void Problems_MissingNameAddressOrCountry_EachNamed()
    {
        var problems = CompanyDetailsRules.Problems(Details(country: "Deutschland", name: " ", street: null));

        Assert.Equal(3, problems.Count);
    }
}
