using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Billing;

/// <summary>The <c>Billing</c> section: default prices for models without a price list entry.</summary>
public sealed class BillingOptions
{
    public const string SectionName = "Billing";

    [Range(0, 1_000_000)]
    public decimal DefaultInputEurPerMillionTokens { get; set; } = 0.20m;

    [Range(0, 1_000_000)]
    public decimal DefaultOutputEurPerMillionTokens { get; set; } = 0.60m;

    /// <summary>Images are priced per megapixel and denoising step, so size and steps both count.</summary>
    [Range(0, 1_000)]
    public decimal DefaultImageEurPerMegapixelStep { get; set; } = 0.0002m;

    /// <summary>Embedding input tokens (an embeddings request reads text and generates nothing).</summary>
    [Range(0, 1_000_000)]
    public decimal DefaultEmbeddingEurPerMillionTokens { get; set; } = 0.02m;

    /// <summary>Issue last month's invoices automatically on the first days of a month.</summary>
    public bool IssueInvoicesAutomatically { get; set; } = true;
}
