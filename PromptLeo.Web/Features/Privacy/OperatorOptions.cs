using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// The <c>Operator</c> section: who runs this installation, as the Impressum (§ 5 DDG), the privacy policy and every
/// PDF print it. The shipped defaults are placeholders; <see cref="OperatorFacts"/> detects them, the admin page warns,
/// and no page or document presents them as fact.
/// </summary>
public sealed class OperatorOptions
{
    public const string SectionName = "Operator";

    [Required, MaxLength(200)]
    public string Name { get; set; } = "Example Operator GmbH";

    /// <summary>E.g. "Gesellschaft mit beschränkter Haftung"; empty for a sole trader.</summary>
    [MaxLength(200)]
    public string? LegalForm { get; set; } = "GmbH (example)";

    /// <summary>Authorised representatives, e.g. the managing directors.</summary>
    [Required, MaxLength(300)]
    public string Representatives { get; set; } = "Erika Mustermann";

    /// <summary>The address for service (ladungsfähige Anschrift), one line.</summary>
    [Required, MaxLength(300)]
    public string Address { get; set; } = "Musterstraße 1, 60311 Frankfurt am Main, Germany";

    [Required, EmailAddress, MaxLength(200)]
    public string Email { get; set; } = "privacy@operator.example";

    [Required, MaxLength(50)]
    public string Phone { get; set; } = "+49 69 0000000";

    /// <summary>Register court; empty when the operator is not in a commercial register.</summary>
    [MaxLength(200)]
    public string? RegisterCourt { get; set; } = "Amtsgericht Musterstadt";

    [MaxLength(50)]
    public string? RegisterNumber { get; set; } = "HRB 00000";

    /// <summary>USt-IdNr. (§ 27a UStG); empty when none is held.</summary>
    [MaxLength(30)]
    public string? VatId { get; set; } = "DE000000000";

    /// <summary>The authority competent for the operator, named for the complaint right (Art. 77).</summary>
    [Required, MaxLength(300)]
    public string SupervisoryAuthority { get; set; } =
        "Der Hessische Beauftragte für Datenschutz und Informationsfreiheit, Gustav-Stresemann-Ring 1, 65189 Wiesbaden, Germany";

    /// <summary>Data protection officer contact; empty when none is appointed.</summary>
    [MaxLength(300)]
    public string? DataProtectionOfficer { get; set; } = "Max Mustermann, dpo@operator.example";

    /// <summary>Who provides the servers or data centre (a recipient in the privacy policy).</summary>
    [Required, MaxLength(300)]
    public string HostingProvider { get; set; } = "Example Hosting GmbH, Frankfurt am Main, Germany";
}
