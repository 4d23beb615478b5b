using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

// Money is stored as long micro-euros (1 EUR = 1,000,000): SQLite keeps EF decimals as TEXT and cannot SUM or compare
// them in SQL, while integers sum exactly in SQL and cover ±9.2 trillion EUR.

/// <summary>A budget holder (organization, member or API key) that remembers in which month its 80 % and 100 % alerts went out.</summary>
public interface IBudgetAlertMarks
{
    string? Alert80Month { get; set; }

    string? Alert100Month { get; set; }
}

/// <summary>An API key. Only the SHA-256 hash of the full secret is stored; the prefix identifies it in lists and lookups.</summary>
public class ApiKey : IBudgetAlertMarks
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The organization the key belongs to and bills.</summary>
    public Guid OrganizationId { get; set; }

    /// <summary>The member who created the key; its usage is attributed to them.</summary>
    [MaxLength(450)]
    public string UserId { get; set; } = "";

    [MaxLength(100)]
    public string Name { get; set; } = "";

    /// <summary>Visible part, e.g. <c>pl_1a2b3c4d</c>; unique.</summary>
    [MaxLength(20)]
    public string Prefix { get; set; } = "";

    public byte[] SecretHash { get; set; } = [];

    /// <summary>Comma-separated: <c>chat</c>, <c>images</c>.</summary>
    [MaxLength(100)]
    public string Scopes { get; set; } = "chat,images";

    public DateTimeOffset? ExpiresAt { get; set; }

    public long? MonthlyBudgetMicros { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>"yyyy-MM" of the last 80 % alert for this key's budget, so it is sent once a month.</summary>
    [MaxLength(7)]
    public string? Alert80Month { get; set; }

    /// <summary>"yyyy-MM" of the last 100 % alert for this key's budget.</summary>
    [MaxLength(7)]
    public string? Alert100Month { get; set; }
}

/// <summary>One metered request. Immutable: never updated, kept for the statutory retention period.</summary>
public class UsageEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The organization billed for the request.</summary>
    public Guid OrganizationId { get; set; }

    /// <summary>The account; pseudonymized on erasure, so no foreign key.</summary>
    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public Guid? ApiKeyId { get; set; }

    [MaxLength(200)]
    public string ModelId { get; set; } = "";

    /// <summary><c>chat</c> or <c>image</c>.</summary>
    [MaxLength(20)]
    public string Kind { get; set; } = "";

    public int InputTokens { get; set; }

    public int OutputTokens { get; set; }

    public int ImageCount { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public int Steps { get; set; }

    public Guid PriceId { get; set; }

    public long InputMicrosPerMillionTokens { get; set; }

    public long OutputMicrosPerMillionTokens { get; set; }

    public long ImageMicrosPerMegapixelStep { get; set; }

    public long AmountMicros { get; set; }

    /// <summary>Charged against prepaid credit (true) or billed monthly (false).</summary>
    public bool Prepaid { get; set; }

    [MaxLength(40)]
    public string RequestId { get; set; } = "";

    public DateTimeOffset At { get; set; }
}

/// <summary>A price list version for one model (or <c>*</c>, the default). A change adds a row; events keep the old prices.</summary>
public class ModelPrice
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Null for the public price list; set for an organization's own (contracted) prices.</summary>
    public Guid? OrganizationId { get; set; }

    [MaxLength(200)]
    public string ModelId { get; set; } = "";

    public int Version { get; set; }

    public long InputMicrosPerMillionTokens { get; set; }

    public long OutputMicrosPerMillionTokens { get; set; }

    public long ImageMicrosPerMegapixelStep { get; set; }

    /// <summary>
    /// Input tokens of an embeddings request (its own price: embedding is far cheaper than generating). Null in versions
    /// written before embeddings were priced: the options' default applies to them.
    /// </summary>
    public long? EmbeddingMicrosPerMillionTokens { get; set; }

    public DateTimeOffset ValidFrom { get; set; }

    [MaxLength(450)]
    public string? ChangedBy { get; set; }
}

public enum BillingMode
{
    Postpaid,
    Prepaid,
}

/// <summary>Prepaid credit: a top-up (positive) or a correction (negative). Immutable.</summary>
public class CreditTransaction
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The organization whose credit this is.</summary>
    public Guid OrganizationId { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    public long AmountMicros { get; set; }

    /// <summary>Payment provider and its reference, or "admin".</summary>
    [MaxLength(200)]
    public string Reference { get; set; } = "";

    public DateTimeOffset At { get; set; }
}

/// <summary>An issued invoice or credit note. Immutable once issued; the PDF is stored as issued.</summary>
public class Invoice
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Gapless sequence across all invoices and credit notes.</summary>
    public long Sequence { get; set; }

    [MaxLength(30)]
    public string Number { get; set; } = "";

    /// <summary>The organization invoiced (the contract party).</summary>
    public Guid OrganizationId { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";

    /// <summary>Set on a credit note: the invoice it corrects.</summary>
    public Guid? CorrectsInvoiceId { get; set; }

    public DateTimeOffset PeriodStart { get; set; }

    public DateTimeOffset PeriodEnd { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    [MaxLength(1000)]
    public string BuyerAddress { get; set; } = "";

    [MaxLength(30)]
    public string? BuyerVatId { get; set; }

    public long NetMicros { get; set; }

    /// <summary>Decimal because rates such as Finland's 25.5 % exist.</summary>
    public decimal VatRatePercent { get; set; }

    /// <summary>EN 16931 VAT category: S (standard, domestic or OSS), AE (reverse charge), O (outside the EU).</summary>
    [MaxLength(2)]
    public string VatCategory { get; set; } = "S";

    /// <summary>The country whose VAT applies (the seller's, or the customer's under OSS).</summary>
    [MaxLength(2)]
    public string? TaxCountry { get; set; }

    public Features.Billing.EInvoiceFormat EInvoiceFormat { get; set; }

    /// <summary>The CII XML as issued (XRechnung, or the one embedded in the ZUGFeRD PDF); null for PDF only.</summary>
    public byte[]? EInvoiceXml { get; set; }

    public long VatMicros { get; set; }

    public long GrossMicros { get; set; }

    public bool ReverseCharge { get; set; }

    /// <summary>"de" or "en": the buyer's language at issue time; the PDF is in it alone, a credit note repeats it.</summary>
    [MaxLength(2)]
    public string Language { get; set; } = "de";

    public byte[] Pdf { get; set; } = [];
}

/// <summary>The single row that hands out invoice numbers inside the issuing transaction.</summary>
public class InvoiceCounter
{
    public int Id { get; set; } = 1;

    public long LastSequence { get; set; }
}
