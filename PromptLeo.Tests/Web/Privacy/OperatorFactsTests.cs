using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Web.Privacy;

public sealed class OperatorFactsTests
{
    private static readonly ReportText English = new("en");
    private static readonly ReportText German = new("de");

    /// <summary>Complete, realistic operator data; shared with the portal fixture that runs with it.</summary>
    internal static readonly Dictionary<string, string?> Completed = new()
    {
        ["Operator:Name"] = "Lindenhof KI Dienste GmbH",
        ["Operator:LegalForm"] = "Gesellschaft mit beschränkter Haftung",
        ["Operator:Representatives"] = "Johanna Lindqvist, Geschäftsführerin",
        ["Operator:Address"] = "Hanauer Landstraße 291, 60314 Frankfurt am Main, Germany",
        ["Operator:Email"] = "datenschutz@lindenhof-ki.de",
        ["Operator:Phone"] = "+49 69 4711230",
        ["Operator:RegisterCourt"] = "",
        ["Operator:RegisterNumber"] = "",
        ["Operator:VatId"] = "DE287654321",
        ["Operator:DataProtectionOfficer"] = "",
        ["Operator:HostingProvider"] = "Rechenzentrum Rhein-Main GmbH, Frankfurt am Main, Germany",
        ["Invoicing:SellerName"] = "Lindenhof KI Dienste GmbH",
        ["Invoicing:SellerStreet"] = "Hanauer Landstraße 291",
        ["Invoicing:SellerVatId"] = "DE287654321",
        ["Invoicing:SellerPhone"] = "+49 69 4711 0",
        ["Invoicing:SellerEmail"] = "rechnung@lindenhof-ki.de",
    };

    private static OperatorFacts Facts(OperatorOptions options) => new(Options.Create(options));

    private static OperatorOptions CompletedOptions() => new()
    {
        Name = Completed["Operator:Name"]!,
        LegalForm = Completed["Operator:LegalForm"],
        Representatives = Completed["Operator:Representatives"]!,
        Address = Completed["Operator:Address"]!,
        Email = Completed["Operator:Email"]!,
        Phone = Completed["Operator:Phone"]!,
        RegisterCourt = "",
        RegisterNumber = "",
        VatId = Completed["Operator:VatId"],
        DataProtectionOfficer = "",
        HostingProvider = Completed["Operator:HostingProvider"]!,
    };

    [Fact]
    public void Placeholders_ShippedDefaults_FlagsEveryFieldButTheRealAuthority()
    {
        var facts = Facts(new OperatorOptions());

        var expected = Enum.GetValues<OperatorField>().Where(f => f != OperatorField.SupervisoryAuthority);
        Assert.Equal(expected, facts.Placeholders);
        Assert.All(expected, f => Assert.Equal("[to be completed by the operator]", facts.Show(f, English)));
        Assert.Equal("[vom Betreiber zu ergänzen]", facts.Show(OperatorField.VatId, German));
        Assert.Equal("[to be completed by the operator]", facts.Contact(English));
        Assert.Equal("[to be completed by the operator]", facts.DataProtectionOfficer(English));
    }

    [Fact]
    public void Placeholders_CompletedData_NoneAndEmptyOptionalFieldsAreNotApplicable()
    {
        var facts = Facts(CompletedOptions());

        Assert.Empty(facts.Placeholders);
        Assert.Null(facts.Show(OperatorField.RegisterCourt, English));
        Assert.Equal("not appointed", facts.DataProtectionOfficer(English));
        Assert.Equal("nicht benannt", facts.DataProtectionOfficer(German));
        Assert.Equal("Lindenhof KI Dienste GmbH, Hanauer Landstraße 291, 60314 Frankfurt am Main, Germany, datenschutz@lindenhof-ki.de", facts.Contact(English));
    }

    [Theory]
    [InlineData(OperatorField.Email, "info@example.com")]
    [InlineData(OperatorField.Address, "Musterweg 5, 12345 Berlin")]
    [InlineData(OperatorField.Representatives, "Max Mustermann")]
    [InlineData(OperatorField.SupervisoryAuthority, "Example authority")]
    public void IsPlaceholder_HalfEditedExampleData_Flagged(OperatorField field, string value)
    {
        var options = CompletedOptions();
        typeof(OperatorOptions).GetProperty(field.ToString())!.SetValue(options, value);

        var facts = Facts(options);

        Assert.Equal([field], facts.Placeholders);
        Assert.Equal("[to be completed by the operator]", facts.Show(field, English));
    }

    [Fact]
    public void Validation_EmptyRequiredField_Rejected()
    {
        var options = CompletedOptions();
        options.Address = "";

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    [Fact]
    public void Key_NamesTheConfigurationSetting()
    {
        Assert.Equal("Operator:VatId", OperatorFacts.Key(OperatorField.VatId));
    }
}
