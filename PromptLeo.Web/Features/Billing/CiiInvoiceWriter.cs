using System.Globalization;
using System.Text;
using System.Xml;

namespace PromptLeo.Web.Features.Billing;

/// <summary>The e-invoice a customer receives besides (or inside) the PDF.</summary>
public enum EInvoiceFormat
{
    PdfOnly = 0,
    XRechnung = 1,
    Zugferd = 2,
}

/// <summary>The buyer as an e-invoice needs it: structured address, VAT ID, e-mail (BT-49) and buyer reference (BT-10).</summary>
public sealed record InvoiceBuyer(string Name, string? Street, string? PostalCode, string? City, string Country, string? VatId, string? Email, string? LeitwegId);

/// <summary>
/// Writes EN 16931 invoices in UN/CEFACT CII D16B syntax with System.Xml: the XRechnung 3.0 CIUS for <see cref="EInvoiceFormat.XRechnung"/>,
/// the Factur-X/ZUGFeRD EN 16931 profile for the XML embedded in a ZUGFeRD PDF.
/// </summary>
public static class CiiInvoiceWriter
{
    public const string XRechnungGuideline = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0";
    public const string En16931Guideline = "urn:cen.eu:en16931:2017";
    public const string PeppolBillingProcess = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
    public const string Rsm = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
    public const string Ram = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
    public const string Udt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
    public const string Qdt = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";

    // BR-DE-15 requires BT-10 on every XRechnung; buyers without a Leitweg-ID get this neutral value.
    public const string NoBuyerReference = "n/a";

    public static byte[] Write(InvoiceContent c, EInvoiceFormat format)
    {
        var buyer = c.Buyer ?? throw new InvalidOperationException("An e-invoice needs the structured buyer.");
        var vat = c.Treatment ?? throw new InvalidOperationException("An e-invoice needs the VAT treatment.");
        var seller = c.Seller.Printable();
        // A credit note (381) states positive amounts; the type code carries the sign.
        var sign = c.IsCreditNote ? -1 : 1;
        var lines = CentLines(c.Lines.Select(l => (l.Description, sign * l.NetMicros)).ToList(), sign * c.NetMicros);

        using var output = new MemoryStream();
        using (var w = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            w.WriteStartElement("rsm", "CrossIndustryInvoice", Rsm);
            w.WriteAttributeString("xmlns", "ram", null, Ram);
            w.WriteAttributeString("xmlns", "udt", null, Udt);
            w.WriteAttributeString("xmlns", "qdt", null, Qdt);

            w.WriteStartElement("rsm", "ExchangedDocumentContext", Rsm);
            Nested(w, ["BusinessProcessSpecifiedDocumentContextParameter", "ID"], PeppolBillingProcess);
            Nested(w, ["GuidelineSpecifiedDocumentContextParameter", "ID"], format == EInvoiceFormat.XRechnung ? XRechnungGuideline : En16931Guideline);
            w.WriteEndElement();

            w.WriteStartElement("rsm", "ExchangedDocument", Rsm);
            Ram_(w, "ID", c.Number);
            Ram_(w, "TypeCode", c.IsCreditNote ? "381" : "380");
            Date(w, "IssueDateTime", DateOnly.FromDateTime(c.IssuedAt.UtcDateTime));
            if (vat.NoteGerman is { } note)
            {
                Nested(w, ["IncludedNote", "Content"], $"{note} / {vat.NoteEnglish}");
            }
            w.WriteEndElement();

            w.WriteStartElement("rsm", "SupplyChainTradeTransaction", Rsm);
            for (var i = 0; i < lines.Count; i++)
            {
                w.WriteStartElement("ram", "IncludedSupplyChainTradeLineItem", Ram);
                Nested(w, ["AssociatedDocumentLineDocument", "LineID"], (i + 1).ToString(CultureInfo.InvariantCulture));
                Nested(w, ["SpecifiedTradeProduct", "Name"], lines[i].Description);
                Nested(w, ["SpecifiedLineTradeAgreement", "NetPriceProductTradePrice", "ChargeAmount"], Amount(lines[i].Cents));
                w.WriteStartElement("ram", "SpecifiedLineTradeDelivery", Ram);
                w.WriteStartElement("ram", "BilledQuantity", Ram);
                w.WriteAttributeString("unitCode", "C62");
                w.WriteString("1");
                w.WriteEndElement();
                w.WriteEndElement();
                w.WriteStartElement("ram", "SpecifiedLineTradeSettlement", Ram);
                TaxCategory(w, vat, null);
                Nested(w, ["SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"], Amount(lines[i].Cents));
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteStartElement("ram", "ApplicableHeaderTradeAgreement", Ram);
            Ram_(w, "BuyerReference", buyer.LeitwegId ?? NoBuyerReference);
            w.WriteStartElement("ram", "SellerTradeParty", Ram);
            Ram_(w, "Name", seller.SellerName);
            w.WriteStartElement("ram", "DefinedTradeContact", Ram);
            Ram_(w, "PersonName", seller.SellerContactName);
            Nested(w, ["TelephoneUniversalCommunication", "CompleteNumber"], seller.SellerPhone);
            Nested(w, ["EmailURIUniversalCommunication", "URIID"], seller.SellerEmail);
            w.WriteEndElement();
            Address(w, seller.SellerPostalCode, seller.SellerStreet, seller.SellerCity, seller.SellerCountry);
            ElectronicAddress(w, seller.SellerEmail);
            // BR-O-2: an invoice outside the scope of VAT names no VAT identifiers.
            if (vat.Category != VatCategory.OutOfScope && seller.SellerVatId is { Length: > 0 } sellerVat)
            {
                TaxRegistration(w, "VA", sellerVat);
            }
            if (seller.SellerTaxNumber is { Length: > 0 } taxNumber)
            {
                TaxRegistration(w, "FC", taxNumber);
            }
            w.WriteEndElement();
            w.WriteStartElement("ram", "BuyerTradeParty", Ram);
            Ram_(w, "Name", buyer.Name);
            Address(w, buyer.PostalCode, buyer.Street, buyer.City, buyer.Country);
            if (buyer.Email is { Length: > 0 } buyerEmail)
            {
                ElectronicAddress(w, buyerEmail);
            }
            if (vat.Category != VatCategory.OutOfScope && buyer.VatId is { Length: > 0 } buyerVat)
            {
                TaxRegistration(w, "VA", buyerVat);
            }
            w.WriteEndElement();
            w.WriteEndElement();

            w.WriteStartElement("ram", "ApplicableHeaderTradeDelivery", Ram);
            w.WriteEndElement();

            w.WriteStartElement("ram", "ApplicableHeaderTradeSettlement", Ram);
            Ram_(w, "InvoiceCurrencyCode", "EUR");
            w.WriteStartElement("ram", "SpecifiedTradeSettlementPaymentMeans", Ram);
            // 58 = SEPA credit transfer (needs the IBAN, BR-DE-23); 1 = not defined when no account is configured.
            Ram_(w, "TypeCode", seller.SellerIban is { Length: > 0 } ? "58" : "1");
            if (seller.SellerIban is { Length: > 0 } iban)
            {
                Nested(w, ["PayeePartyCreditorFinancialAccount", "IBANID"], iban.Replace(" ", "", StringComparison.Ordinal));
            }
            w.WriteEndElement();
            var netCents = sign * c.NetMicros;
            TaxCategory(w, vat, (netCents, sign * c.VatMicros));
            w.WriteStartElement("ram", "BillingSpecifiedPeriod", Ram);
            Date(w, "StartDateTime", c.PeriodStart);
            Date(w, "EndDateTime", c.PeriodEnd);
            w.WriteEndElement();
            w.WriteStartElement("ram", "SpecifiedTradePaymentTerms", Ram);
            var due = DateOnly.FromDateTime(c.IssuedAt.UtcDateTime).AddDays(c.Seller.PaymentTermDays);
            Ram_(w, "Description", string.Create(CultureInfo.InvariantCulture, $"Zahlbar bis {due:dd.MM.yyyy} ohne Abzug / Payable by {due:yyyy-MM-dd} without deduction"));
            Date(w, "DueDateDateTime", due);
            w.WriteEndElement();
            w.WriteStartElement("ram", "SpecifiedTradeSettlementHeaderMonetarySummation", Ram);
            Ram_(w, "LineTotalAmount", Amount(lines.Sum(l => l.Cents)));
            Ram_(w, "TaxBasisTotalAmount", Amount(netCents));
            w.WriteStartElement("ram", "TaxTotalAmount", Ram);
            w.WriteAttributeString("currencyID", "EUR");
            w.WriteString(Amount(sign * c.VatMicros));
            w.WriteEndElement();
            Ram_(w, "GrandTotalAmount", Amount(sign * c.GrossMicros));
            // BT-113/BT-115: what prepaid credit settled, and the rest that is due.
            if (c.PrepaidMicros != 0)
            {
                Ram_(w, "TotalPrepaidAmount", Amount(sign * c.PrepaidMicros));
            }
            Ram_(w, "DuePayableAmount", Amount(sign * c.DueMicros));
            w.WriteEndElement();
            if (c.CorrectsNumber is { } corrected)
            {
                Nested(w, ["InvoiceReferencedDocument", "IssuerAssignedID"], corrected);
            }
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return output.ToArray();
    }

    /// <summary>
    /// The same invoice under the other specification identifier (BT-24): XRechnung and the Factur-X EN 16931 profile differ
    /// in nothing else here, so both are made from the one stored XML, byte for byte the same every time.
    /// </summary>
    public static byte[] WithGuideline(byte[] xml, EInvoiceFormat format)
    {
        var (from, to) = format == EInvoiceFormat.Zugferd ? (XRechnungGuideline, En16931Guideline) : (En16931Guideline, XRechnungGuideline);
        var text = Encoding.UTF8.GetString(xml);
        var element = $"<ram:ID>{from}</ram:ID>";
        var at = text.IndexOf(element, StringComparison.Ordinal);
        return at < 0 ? xml : Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, at), $"<ram:ID>{to}</ram:ID>", text.AsSpan(at + element.Length)));
    }

    /// <summary>
    /// Lines in whole cents that add up to the invoice's net amount exactly (BR-CO-10): each line is floored, and the
    /// cents the rounded total still needs go to the lines with the largest remainders.
    /// </summary>
    public static List<(string Description, long Cents)> CentLines(IReadOnlyList<(string Description, long NetMicros)> lines, long netMicros)
    {
        const long cent = 10_000;
        var floored = lines.Select(l => (l.Description, Cents: (long)Math.Floor(l.NetMicros / (decimal)cent) * cent, Remainder: l.NetMicros - (long)Math.Floor(l.NetMicros / (decimal)cent) * cent)).ToList();
        var missing = (netMicros - floored.Sum(l => l.Cents)) / cent;
        foreach (var index in Enumerable.Range(0, floored.Count).OrderByDescending(i => floored[i].Remainder).Take((int)Math.Clamp(missing, 0, floored.Count)))
        {
            floored[index] = (floored[index].Description, floored[index].Cents + cent, 0);
        }
        return floored.Select(l => (l.Description, l.Cents)).ToList();
    }

    public static string Amount(long micros) => Money.ToEuro(micros).ToString("0.00", CultureInfo.InvariantCulture);

    private static void TaxCategory(XmlWriter w, VatTreatment vat, (long Basis, long Tax)? totals)
    {
        w.WriteStartElement("ram", "ApplicableTradeTax", Ram);
        if (totals is { } t)
        {
            Ram_(w, "CalculatedAmount", Amount(t.Tax));
        }
        Ram_(w, "TypeCode", "VAT");
        if (totals is not null && vat.NoteEnglish is { } reason && vat.ExemptionCode is not null)
        {
            Ram_(w, "ExemptionReason", reason);
        }
        if (totals is { } b)
        {
            Ram_(w, "BasisAmount", Amount(b.Basis));
        }
        Ram_(w, "CategoryCode", vat.Category);
        if (totals is not null && vat.ExemptionCode is { } code)
        {
            Ram_(w, "ExemptionReasonCode", code);
        }
        // BR-O-5/BR-O-9: no rate for "not subject to VAT".
        if (vat.Category != VatCategory.OutOfScope)
        {
            Ram_(w, "RateApplicablePercent", vat.RatePercent.ToString("0.##", CultureInfo.InvariantCulture));
        }
        w.WriteEndElement();
    }

    private static void Address(XmlWriter w, string? postalCode, string? street, string? city, string country)
    {
        w.WriteStartElement("ram", "PostalTradeAddress", Ram);
        if (postalCode is { Length: > 0 }) Ram_(w, "PostcodeCode", postalCode);
        if (street is { Length: > 0 }) Ram_(w, "LineOne", street);
        if (city is { Length: > 0 }) Ram_(w, "CityName", city);
        Ram_(w, "CountryID", country);
        w.WriteEndElement();
    }

    private static void ElectronicAddress(XmlWriter w, string email)
    {
        w.WriteStartElement("ram", "URIUniversalCommunication", Ram);
        w.WriteStartElement("ram", "URIID", Ram);
        w.WriteAttributeString("schemeID", "EM");
        w.WriteString(email);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void TaxRegistration(XmlWriter w, string scheme, string id)
    {
        w.WriteStartElement("ram", "SpecifiedTaxRegistration", Ram);
        w.WriteStartElement("ram", "ID", Ram);
        w.WriteAttributeString("schemeID", scheme);
        w.WriteString(id);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void Date(XmlWriter w, string element, DateOnly day)
    {
        w.WriteStartElement("ram", element, Ram);
        w.WriteStartElement("udt", "DateTimeString", Udt);
        w.WriteAttributeString("format", "102");
        w.WriteString(day.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void Ram_(XmlWriter w, string element, string value) => w.WriteElementString("ram", element, Ram, value);

    private static void Nested(XmlWriter w, string[] path, string value)
    {
        foreach (var element in path[..^1])
        {
            w.WriteStartElement("ram", element, Ram);
        }
        Ram_(w, path[^1], value);
        foreach (var _ in path[..^1])
        {
            w.WriteEndElement();
        }
    }
}
