using System.Globalization;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Turns an invoice PDF into a ZUGFeRD 2 / Factur-X 1.0 hybrid (profile EN 16931): PDF/A-3 with the CII XML embedded as
/// <c>factur-x.xml</c> (AFRelationship /Alternative, listed in the catalog's /AF), an sRGB output intent, and XMP metadata
/// with the Factur-X extension schema.
/// </summary>
public static partial class FacturXDocument
{
    public const string FileName = "factur-x.xml";
    public const string ConformanceLevel = "EN 16931";

    /// <summary>
    /// An issued invoice PDF made a ZUGFeRD hybrid afterwards: the stored PDF opened as is, the XML embedded and the PDF/A-3
    /// metadata written exactly as <see cref="Prepare"/> and <see cref="Complete"/> do for an invoice rendered as ZUGFeRD.
    /// </summary>
    public static byte[] Embed(byte[] pdf, byte[] xml, DateTimeOffset issuedAt, string invoiceNumber)
    {
        using var document = PdfSharp.Pdf.IO.PdfReader.Open(new MemoryStream(pdf), PdfSharp.Pdf.IO.PdfDocumentOpenMode.Modify);
        Prepare(document, xml, issuedAt);
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return Complete(document, output.ToArray(), invoiceNumber);
    }

    /// <summary>Before drawing: PDF 1.7, the sRGB output intent and the embedded XML, all through PDFsharp's object model.</summary>
    public static void Prepare(PdfDocument document, byte[] xml, DateTimeOffset issuedAt)
    {
        document.Version = 17;
        document.Info.CreationDate = issuedAt.UtcDateTime;
        document.Info.ModificationDate = issuedAt.UtcDateTime;
        var catalog = document.Internals.Catalog;

        // PDFsharp ships the ICC sRGB profile it uses for its own PDF/A-1 output intent; the same one serves PDF/A-3.
        using var icc = typeof(PdfDocument).Assembly.GetManifestResourceStream("PdfSharp.Resources.sRGB2014.icc")
            ?? throw new InvalidOperationException("PDFsharp's sRGB profile is missing.");
        using var iccBytes = new MemoryStream();
        icc.CopyTo(iccBytes);
        var profile = new PdfDictionary(document);
        profile.CreateStream(iccBytes.ToArray());
        profile.Elements.SetInteger("/N", 3);
        document.Internals.AddObject(profile);
        var intent = new PdfDictionary(document);
        intent.Elements.SetName("/Type", "/OutputIntent");
        intent.Elements.SetName("/S", "/GTS_PDFA1");
        intent.Elements.SetString("/OutputConditionIdentifier", "sRGB IEC61966-2.1");
        intent.Elements.SetString("/RegistryName", "http://www.color.org");
        intent.Elements.SetString("/Info", "sRGB IEC61966-2.1");
        intent.Elements.SetReference("/DestOutputProfile", profile);
        catalog.Elements["/OutputIntents"] = new PdfArray(document, intent);

        var modified = issuedAt.UtcDateTime.ToString("'D:'yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
        var embedded = new PdfDictionary(document);
        embedded.CreateStream(xml);
        embedded.Elements.SetName("/Type", "/EmbeddedFile");
        embedded.Elements.SetName("/Subtype", "/text/xml");
        var parameters = new PdfDictionary(document);
        parameters.Elements.SetString("/ModDate", modified);
        parameters.Elements.SetInteger("/Size", xml.Length);
        embedded.Elements["/Params"] = parameters;
        document.Internals.AddObject(embedded);

        var spec = new PdfDictionary(document);
        spec.Elements.SetName("/Type", "/Filespec");
        spec.Elements.SetString("/F", FileName);
        spec.Elements.SetString("/UF", FileName);
        spec.Elements.SetString("/Desc", "Factur-X/ZUGFeRD invoice (EN 16931, CII)");
        spec.Elements.SetName("/AFRelationship", "/Alternative");
        var ef = new PdfDictionary(document);
        ef.Elements.SetReference("/F", embedded);
        ef.Elements.SetReference("/UF", embedded);
        spec.Elements["/EF"] = ef;
        document.Internals.AddObject(spec);

        var tree = new PdfDictionary(document);
        tree.Elements["/Names"] = new PdfArray(document, new PdfString(FileName), spec.Reference!);
        var names = new PdfDictionary(document);
        names.Elements["/EmbeddedFiles"] = tree;
        catalog.Elements["/Names"] = names;
        catalog.Elements["/AF"] = new PdfArray(document, spec.Reference!);
    }

    /// <summary>
    /// After saving: PDFsharp 6.2.4 always writes its own XMP packet (PDF/A-1A at best), so an incremental update replaces
    /// that metadata object with one that declares PDF/A-3B and carries the Factur-X extension schema.
    /// </summary>
    public static byte[] Complete(PdfDocument document, byte[] pdf, string invoiceNumber)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var metadataObject = MetadataRegex().Matches(text) is { Count: > 0 } found ? found[^1].Groups[1].Value
            : throw new InvalidOperationException("The saved PDF has no /Metadata.");
        var trailer = TrailerRegex().Matches(text) is { Count: > 0 } trailers ? trailers[^1]
            : throw new InvalidOperationException("The saved PDF has no classic trailer.");
        var trailerBody = PrevRegex().Replace(trailer.Groups[1].Value, "");
        var previousXref = trailer.Groups[2].Value;

        var xmp = Encoding.UTF8.GetBytes(Xmp(document, invoiceNumber));
        using var output = new MemoryStream();
        output.Write(pdf);
        var offset = output.Length + 1;
        Append(output, $"\n{metadataObject} 0 obj\n<< /Type /Metadata /Subtype /XML /Length {xmp.Length} >>\nstream\n");
        output.Write(xmp);
        Append(output, "\nendstream\nendobj\n");
        var xref = output.Length;
        Append(output, string.Create(CultureInfo.InvariantCulture, $"xref\n{metadataObject} 1\n{offset:D10} 00000 n \ntrailer\n<<{trailerBody} /Prev {previousXref} >>\nstartxref\n{xref}\n%%EOF\n"));
        return output.ToArray();
    }

    private static void Append(Stream output, string ascii) => output.Write(Encoding.ASCII.GetBytes(ascii));

    private static string Xmp(PdfDocument document, string invoiceNumber)
    {
        static string E(string? value) => SecurityElement.Escape(value ?? "");
        var date = document.Info.CreationDate.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var properties = string.Concat(new[]
        {
            ("DocumentFileName", "The name of the embedded XML document"),
            ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
            ("Version", "The actual version of the standard applying to the embedded XML document"),
            ("ConformanceLevel", "The conformance level of the embedded XML document"),
        }.Select(p => $"""
                      <rdf:li rdf:parseType="Resource"><pdfaProperty:name>{p.Item1}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>{p.Item2}</pdfaProperty:description></rdf:li>

            """));
        return $"""
            <?xpacket begin="{'\uFEFF'}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
              <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
                <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>
                <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">{E(document.Info.Title)}</rdf:li></rdf:Alt></dc:title><dc:identifier>{E(invoiceNumber)}</dc:identifier></rdf:Description>
                <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"><pdf:Producer>{E(document.Info.Producer)}</pdf:Producer></rdf:Description>
                <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreatorTool>{E(document.Info.Creator)}</xmp:CreatorTool><xmp:CreateDate>{date}</xmp:CreateDate><xmp:ModifyDate>{date}</xmp:ModifyDate></rdf:Description>
                <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"><fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>{FileName}</fx:DocumentFileName><fx:Version>1.0</fx:Version><fx:ConformanceLevel>{ConformanceLevel}</fx:ConformanceLevel></rdf:Description>
                <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
                  <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
                    <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
                    <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
                    <pdfaSchema:prefix>fx</pdfaSchema:prefix>
                    <pdfaSchema:property><rdf:Seq>
            {properties}        </rdf:Seq></pdfaSchema:property>
                  </rdf:li></rdf:Bag></pdfaExtension:schemas>
                </rdf:Description>
              </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>
            """;
    }

    [GeneratedRegex(@"/Metadata\s+(\d+)\s+0\s+R")]
    private static partial Regex MetadataRegex();

    [GeneratedRegex(@"trailer\s*<<(.*?)>>[^\n]*\s*startxref\s*(\d+)", RegexOptions.Singleline)]
    private static partial Regex TrailerRegex();

    [GeneratedRegex(@"/Prev\s+\d+")]
    private static partial Regex PrevRegex();
}
