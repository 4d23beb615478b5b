using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>The <c>Privacy</c> section: retention, exports, the DPA version and annexes. Who the operator is lives in <see cref="OperatorOptions"/>.</summary>
public sealed class PrivacyOptions
{
    public const string SectionName = "Privacy";

    /// <summary>Current version of the data processing agreement; a new value asks every business user to accept again.</summary>
    [Required, MaxLength(20)]
    public string DpaVersion { get; set; } = "2026-12";

    /// <summary>Hosting locations printed in the English DPA.</summary>
    public List<string> HostingLocations { get; set; } = ["Own hardware in a data centre in Frankfurt am Main, Germany"];

    /// <summary>The same hosting locations for the German DPA (Standorte der Verarbeitung); empty: the English list is printed.</summary>
    public List<string> HostingLocationsGerman { get; set; } = ["Eigene Hardware in einem Rechenzentrum in Frankfurt am Main, Deutschland"];

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

    /// <summary>Admin default for new accounts: delete knowledge documents this many days after upload; null keeps them until deleted.</summary>
    [Range(1, 36500)]
    public int? DefaultDocumentRetentionDays { get; set; }

    /// <summary>How often the retention job runs.</summary>
    [Range(1, 1440)]
    public int PurgeIntervalMinutes { get; set; } = 60;

    /// <summary>The DPA's latest breach notice to the controller, in hours after the processor becomes aware (Art. 33(2)).</summary>
    [Range(1, 72)]
    public int BreachNoticeHours { get; set; } = 24;

    /// <summary>How many days ahead the DPA announces a new or replaced sub-processor, which is also the objection period.</summary>
    [Range(1, 180)]
    public int SubProcessorNoticeDays { get; set; } = 30;

    /// <summary>Days after the end of the agreement by which the DPA promises deletion of all content.</summary>
    [Range(1, 180)]
    public int ReturnDeadlineDays { get; set; } = 30;

    /// <summary>How long key backups are kept (docs/operations.md "Backup and restore"); after it no backup decrypts erased content.</summary>
    [Range(1, 365)]
    public int KeyBackupRetentionDays { get; set; } = 30;

    /// <summary>
    /// How long the host keeps the application's logs (journald <c>MaxRetentionSec</c> under the shipped systemd unit);
    /// the application cannot see it, so the register prints "[to be confirmed by the operator]" while it is empty.
    /// </summary>
    [Range(1, 3650)]
    public int? ApplicationLogRetentionDays { get; set; }

    /// <summary>Books and records (usage events, credit transactions): 10 years, § 147 Abs. 1 Nr. 1, Abs. 3 AO, § 257 HGB.</summary>
    [Range(1, 30)]
    public int BooksRetentionYears { get; set; } = 10;

    /// <summary>Invoices and booking vouchers: 8 years, § 147 Abs. 3 AO and § 14b Abs. 1 UStG as amended with effect from 2025 (BEG IV).</summary>
    [Range(1, 30)]
    public int InvoiceRetentionYears { get; set; } = 8;

    /// <summary>Contract and consent evidence of erased accounts (DPA acceptances, privacy notice version): the regular limitation period of contractual claims, 3 years from the end of the year the claim arose, §§ 195, 199 Abs. 1 BGB.</summary>
    [Range(1, 30)]
    public int ContractEvidenceRetentionYears { get; set; } = 3;

    /// <summary>The retention period runs to the end of the calendar year <paramref name="years"/> after the record's year (§ 147 Abs. 4 AO).</summary>
    public static DateTimeOffset RetainedUntil(DateTimeOffset recordedAt, int years) => new(recordedAt.UtcDateTime.Year + years, 12, 31, 0, 0, 0, TimeSpan.Zero);
}
