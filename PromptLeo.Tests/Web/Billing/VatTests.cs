using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Web.Billing;

public sealed class VatTests
{
    private static readonly DateOnly Today = new(2026, 11, 30);

    [Fact]
    public void Decide_GermanConsumer_GermanStandardRate()
    {
        var vat = VatRules.Decide("DE", "DE", null, Today);
        Assert.Equal((VatCategory.Standard, 19m, "DE"), (vat.Category, vat.RatePercent, vat.TaxCountry));
        Assert.Null(vat.NoteGerman);
        Assert.Equal(190_000, vat.VatOn(1_000_000));
    }

    [Fact]
    public void Decide_GermanBusinessWithVatId_StillGermanVat()
    {
        var vat = VatRules.Decide("DE", "DE", "DE123456789", Today);
        Assert.Equal((VatCategory.Standard, 19m), (vat.Category, vat.RatePercent));
    }

    [Fact]
    public void Decide_NoCountry_TreatedAsDomestic()
    {
        Assert.Equal(("DE", 19m), (VatRules.Decide("DE", null, null, Today).TaxCountry, VatRules.Decide("DE", "", null, Today).RatePercent));
    }

    [Fact]
    public void Decide_FrenchBusinessWithWellFormedVatId_ReverseChargeWithNote()
    {
        var vat = VatRules.Decide("DE", "FR", "FR12345678901", Today);
        Assert.Equal((VatCategory.ReverseCharge, 0m, "FR"), (vat.Category, vat.RatePercent, vat.TaxCountry));
        Assert.Contains("Steuerschuldnerschaft des Leistungsempfängers", vat.NoteGerman);
        Assert.Contains("§ 13b UStG", vat.NoteGerman);
        Assert.Contains("Reverse charge", vat.NoteEnglish);
        Assert.Contains("Art. 196", vat.NoteEnglish);
        Assert.Equal("VATEX-EU-AE", vat.ExemptionCode);
        Assert.Equal(0, vat.VatOn(5_000_000));
    }

    [Fact]
    public void Decide_FrenchConsumer_FrenchRateUnderOss()
    {
        var vat = VatRules.Decide("DE", "FR", null, Today);
        Assert.Equal((VatCategory.Standard, 20m, "FR"), (vat.Category, vat.RatePercent, vat.TaxCountry));
        Assert.Contains("One-Stop", vat.NoteEnglish);
        Assert.Equal(200_000, vat.VatOn(1_000_000));
    }

    [Fact]
    public void Decide_FrenchVatIdMalformedOrOfAnotherCountry_NoReverseCharge()
    {
        Assert.Equal(VatCategory.Standard, VatRules.Decide("DE", "FR", "FR123", Today).Category);
        Assert.Equal(VatCategory.Standard, VatRules.Decide("DE", "FR", "ATU12345678", Today).Category);
    }

    [Fact]
    public void Decide_FinnishConsumer_DecimalRate()
    {
        var vat = VatRules.Decide("DE", "FI", null, Today);
        Assert.Equal(25.5m, vat.RatePercent);
        Assert.Equal(2_550_000, vat.VatOn(10_000_000));
    }

    [Theory]
    [InlineData("US", null)]
    [InlineData("CH", "CHE-123.456.789")]
    public void Decide_OutsideEu_OutOfScopeWithNote(string country, string? vatId)
    {
        var vat = VatRules.Decide("DE", country, vatId, Today);
        Assert.Equal((VatCategory.OutOfScope, 0m), (vat.Category, vat.RatePercent));
        Assert.Contains("§ 3a UStG", vat.NoteGerman);
        Assert.Contains("outside the EU", vat.NoteEnglish);
    }

    [Fact]
    public void StandardRate_ChangesOnItsValidFromDate()
    {
        Assert.Equal(19m, VatRates.StandardRate("DE", new DateOnly(2020, 6, 30)));
        Assert.Equal(16m, VatRates.StandardRate("DE", new DateOnly(2020, 7, 1)));
        Assert.Equal(16m, VatRates.StandardRate("DE", new DateOnly(2020, 12, 31)));
        Assert.Equal(19m, VatRates.StandardRate("DE", new DateOnly(2021, 1, 1)));
        Assert.Equal(24m, VatRates.StandardRate("FI", new DateOnly(2024, 8, 31)));
        Assert.Equal(25.5m, VatRates.StandardRate("FI", new DateOnly(2024, 9, 1)));
        Assert.Equal(20m, VatRates.StandardRate("SK", new DateOnly(2024, 12, 31)));
        Assert.Equal(23m, VatRates.StandardRate("SK", new DateOnly(2025, 1, 1)));
    }

    [Fact]
    public void Decide_SupplyInSecondHalfOf2020_SixteenPercent()
    {
        Assert.Equal(16m, VatRules.Decide("DE", "DE", null, new DateOnly(2020, 9, 30)).RatePercent);
    }

    [Fact]
    public void StandardRate_AllEu27KnownToday()
    {
        Assert.Equal(27, VatRates.EuCountries.Count);
        var expected = new Dictionary<string, decimal>
        {
            ["AT"] = 20, ["BE"] = 21, ["BG"] = 20, ["CY"] = 19, ["CZ"] = 21, ["DE"] = 19, ["DK"] = 25, ["EE"] = 24, ["ES"] = 21,
            ["FI"] = 25.5m, ["FR"] = 20, ["GR"] = 24, ["HR"] = 25, ["HU"] = 27, ["IE"] = 23, ["IT"] = 22, ["LT"] = 21, ["LU"] = 17,
            ["LV"] = 21, ["MT"] = 18, ["NL"] = 21, ["PL"] = 23, ["PT"] = 23, ["RO"] = 21, ["SE"] = 25, ["SI"] = 22, ["SK"] = 23,
        };
        Assert.Equal(expected, VatRates.EuCountries.ToDictionary(c => c, c => VatRates.StandardRate(c, Today)));
    }

    [Fact]
    public void StandardRate_BeforeTheTable_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => VatRates.StandardRate("FR", new DateOnly(2019, 1, 1)));
    }

    [Theory]
    [InlineData("DE123456789")]
    [InlineData("de 123 456 789")]
    [InlineData("FR12345678901")]
    [InlineData("FRXY123456789")]
    [InlineData("ATU12345678")]
    [InlineData("NL123456789B01")]
    [InlineData("BE0123456789")]
    [InlineData("EL123456789")]
    [InlineData("IT12345678901")]
    [InlineData("ES X1234567X")]
    [InlineData("SE123456789001")]
    [InlineData("IE1234567WA")]
    [InlineData("CY12345678X")]
    [InlineData("PL1234567890")]
    public void VatId_WellFormed_Accepted(string id)
    {
        Assert.True(VatIds.IsWellFormed(id));
        Assert.True(new VatIdFormatAttribute().IsValid(id));
    }

    [Theory]
    [InlineData("DE12345678")]
    [InlineData("DE1234567890")]
    [InlineData("FR1234567890")]
    [InlineData("AT12345678")]
    [InlineData("ATU1234567")]
    [InlineData("NL123456789")]
    [InlineData("BE2123456789")]
    [InlineData("SE1234567890")]
    [InlineData("ITABCDEFGHIJK")]
    public void VatId_EuPrefixWrongFormat_Rejected(string id)
    {
        Assert.False(VatIds.IsWellFormed(id));
        Assert.False(new VatIdFormatAttribute().IsValid(id));
    }

    [Fact]
    public void VatId_GreekCustomer_UsesElPrefix()
    {
        Assert.True(VatIds.IsWellFormed("EL123456789", "GR"));
        Assert.False(VatIds.IsWellFormed("DE123456789", "GR"));
    }

    [Fact]
    public void VatIdAttribute_NonEuOrEmpty_Passes()
    {
        Assert.True(new VatIdFormatAttribute().IsValid("CHE-123.456.789 MWST"));
        Assert.True(new VatIdFormatAttribute().IsValid(null));
        Assert.True(new VatIdFormatAttribute().IsValid(""));
    }

    [Theory]
    [InlineData("992-90009-96")]
    [InlineData("04011000-1234512345-06")]
    [InlineData("09564000-NUE0001-49")]
    public void LeitwegId_PublishedExamples_Valid(string id)
    {
        Assert.True(LeitwegIds.IsValid(id));
        Assert.True(new LeitwegIdFormatAttribute().IsValid(id.ToLowerInvariant()));
    }

    [Theory]
    [InlineData("992-90009-97")]
    [InlineData("9-90009-96")]
    [InlineData("992-90009")]
    [InlineData("992_90009_96")]
    [InlineData("1234567890123-96")]
    public void LeitwegId_WrongFormatOrCheckDigits_Invalid(string id)
    {
        Assert.False(LeitwegIds.IsValid(id));
        Assert.False(new LeitwegIdFormatAttribute().IsValid(id));
    }

    [Fact]
    public void InvoicingOptions_OnlineVatIdCheckRequested_FailsValidationBecauseNotBuilt()
    {
        var options = new InvoicingOptions { ValidateVatIdsOnline = true };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(InvoicingOptions.ValidateVatIdsOnline)));
        var shipped = new InvoicingOptions();
        Assert.True(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(shipped, new(shipped), [], validateAllProperties: true));
    }
}
