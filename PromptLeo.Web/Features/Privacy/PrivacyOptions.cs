using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The <c>Privacy</c> section: the controller/processor facts that the Art. 15 report, the Art. 30 register and the DPA print.</summary>
public sealed class PrivacyOptions
{
    public const string SectionName = "Privacy";

    [Required]
    public string OperatorName { get; set; } = "PromptLeo GmbH";

    [Required]
    public string OperatorAddress { get; set; } = "Musterstraße 1, 60311 Frankfurt am Main, Germany";

    [Required, EmailAddress]
    public string OperatorEmail { get; set; } = "privacy@promptleo.example";

    /// <summary>Data protection officer contact; empty when none is appointed.</summary>
    public string? DataProtectionOfficer { get; set; }

    /// <summary>The competent supervisory authority named in reports (Art. 77 complaint right).</summary>
    [Required]
    public string SupervisoryAuthority { get; set; } =
        "Der Hessische Beauftragte für Datenschutz und Informationsfreiheit, Gustav-Stresemann-Ring 1, 65189 Wiesbaden, Germany";

    /// <summary>Current version of the data processing agreement; a new value asks every business user to accept again.</summary>
    [Required, MaxLength(20)]
    public string DpaVersion { get; set; } = "2026-11";

    /// <summary>Hosting locations printed in the DPA annex.</summary>
    public List<string> HostingLocations { get; set; } = ["Own hardware in a data centre in Frankfurt am Main, Germany"];

    /// <summary>Sub-processors ("name, address, service, location"); empty by default because everything runs in-process.</summary>
    public List<string> SubProcessors { get; set; } = [];

    /// <summary>How long an export ZIP can be downloaded before it is purged.</summary>
    [Range(1, 168)]
    public int ExportLinkHours { get; set; } = 24;

    /// <summary>Admin default for new accounts: keep chats this many days; null keeps them until deleted.</summary>
    [Range(0, 36500)]
    public int? DefaultChatRetentionDays { get; set; }

    /// <summary>Admin default for new accounts: keep images this many days; null keeps them until deleted.</summary>
    [Range(1, 36500)]
    public int? DefaultImageRetentionDays { get; set; }

    /// <summary>How often the retention job runs.</summary>
    [Range(1, 1440)]
    public int PurgeIntervalMinutes { get; set; } = 60;

    /// <summary>Statutory retention of usage events and invoices (§ 147 AO, § 257 HGB).</summary>
    [Range(1, 30)]
    public int StatutoryRetentionYears { get; set; } = 10;
}
