using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Billing;

/// <summary>
/// Versioned prices per model. A change adds a new version row; usage events copy the unit prices they were charged
/// with, so old events keep old prices. <c>*</c> is the admin's default; without it the options' default applies.
/// Rows with an organization id are that organization's own (contracted) list, which wins over the public one.
/// </summary>
public sealed class PriceList(IDbContextFactory<AppDbContext> dbFactory, IOptions<BillingOptions> options, Privacy.AuditLog audit, TimeProvider time, ILogger<PriceList> logger)
{
    public const string DefaultModelId = "*";

    /// <summary>
    /// The price a request of <paramref name="organizationId"/> is charged with: the organization's own newest version for
    /// the model, else its own default (<c>*</c>), else the public list's (model, then default, then the options).
    /// </summary>
    public async Task<ModelPrice> GetCurrentAsync(AppDbContext db, Guid? organizationId, string modelId, CancellationToken cancellationToken = default)
    {
        var rows = await db.ModelPrices.AsNoTracking()
            .Where(p => (p.OrganizationId == null || p.OrganizationId == organizationId) && (p.ModelId == modelId || p.ModelId == DefaultModelId))
            .ToListAsync(cancellationToken);
        return WithDefaults(Newest(rows, organizationId, modelId) ?? Newest(rows, organizationId, DefaultModelId)
            ?? Newest(rows, null, modelId) ?? Newest(rows, null, DefaultModelId)
            ?? FromOptions());
    }

    /// <summary>The newest version of every priced model plus the default, in the public list.</summary>
    public async Task<IReadOnlyList<ModelPrice>> ListCurrentAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ModelPrices.AsNoTracking().Where(p => p.OrganizationId == null).ToListAsync(cancellationToken);
        var current = rows.GroupBy(p => p.ModelId).Select(g => WithDefaults(g.MaxBy(p => p.Version)!)).OrderBy(p => p.ModelId, StringComparer.Ordinal).ToList();
        if (current.All(p => p.ModelId != DefaultModelId))
        {
            current.Insert(0, FromOptions());
        }
        return current;
    }

    /// <summary>The prices <paramref name="organizationId"/> pays: its own rows (marked by their organization id) in place of the public ones.</summary>
    public async Task<IReadOnlyList<ModelPrice>> ListEffectiveAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        var own = await ListOwnAsync(organizationId, cancellationToken);
        var ownIds = own.Select(p => p.ModelId).ToHashSet(StringComparer.Ordinal);
        return [.. (await ListCurrentAsync(cancellationToken)).Where(p => !ownIds.Contains(p.ModelId)).Concat(own).OrderBy(p => p.ModelId, StringComparer.Ordinal)];
    }

    /// <summary>The newest version of each of the organization's own (contracted) prices.</summary>
    public async Task<IReadOnlyList<ModelPrice>> ListOwnAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ModelPrices.AsNoTracking().Where(p => p.OrganizationId == organizationId).ToListAsync(cancellationToken);
        return [.. rows.GroupBy(p => p.ModelId).Select(g => WithDefaults(g.MaxBy(p => p.Version)!)).OrderBy(p => p.ModelId, StringComparer.Ordinal)];
    }

    // Rows are read without tracking, so filling in the default changes nothing stored.
    private ModelPrice WithDefaults(ModelPrice price)
    {
        price.EmbeddingMicrosPerMillionTokens ??= Money.FromEuro(options.Value.DefaultEmbeddingEurPerMillionTokens);
        return price;
    }

    private static ModelPrice? Newest(List<ModelPrice> rows, Guid? organizationId, string modelId) =>
        rows.Where(p => p.OrganizationId == organizationId && p.ModelId == modelId).MaxBy(p => p.Version);

    /// <summary>
    /// Adds a new price version for <paramref name="modelId"/>, with its audit entry in the same transaction. It applies
    /// to requests that reserve after it; a request in flight keeps the price it reserved with.
    /// </summary>
    public Task<ModelPrice> SetAsync(string modelId, decimal inputEurPerMillion, decimal outputEurPerMillion, decimal imageEurPerMegapixelStep, string changedBy, CancellationToken cancellationToken = default) =>
        SetAsync(null, modelId, inputEurPerMillion, outputEurPerMillion, imageEurPerMegapixelStep, changedBy, cancellationToken);

    /// <summary>
    /// A site admin's contracted price for one organization (its own list; the public list stays as it is). Audited in
    /// the admin log and shown in the organization's audit log. The embedding price carries over from the price in force.
    /// </summary>
    public Task<ModelPrice> SetAsync(Guid? organizationId, string modelId, decimal inputEurPerMillion, decimal outputEurPerMillion, decimal imageEurPerMegapixelStep, string changedBy, CancellationToken cancellationToken = default) =>
        SetAsync(organizationId, modelId, inputEurPerMillion, outputEurPerMillion, imageEurPerMegapixelStep, null, changedBy, cancellationToken);

    /// <summary>A new price version with every price; <paramref name="embeddingEurPerMillion"/> null keeps the embedding price in force.</summary>
    public Task<ModelPrice> SetAsync(Guid? organizationId, string modelId, decimal inputEurPerMillion, decimal outputEurPerMillion, decimal imageEurPerMegapixelStep,
        decimal? embeddingEurPerMillion, string changedBy, CancellationToken cancellationToken = default)
    {
        if (inputEurPerMillion < 0 || outputEurPerMillion < 0 || imageEurPerMegapixelStep < 0)
        {
            throw new ArgumentException("A model id and non-negative prices are required.");
        }
        var detail = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"input {inputEurPerMillion} EUR/1M tokens, output {outputEurPerMillion} EUR/1M tokens, image {imageEurPerMegapixelStep} EUR/megapixel-step{(embeddingEurPerMillion is { } e ? $", embedding {e} EUR/1M tokens" : "")}");
        return AddVersionAsync(organizationId, modelId, embeddingEurPerMillion, detail, current => current with
        {
            InputMicrosPerMillionTokens = Money.FromEuro(inputEurPerMillion),
            OutputMicrosPerMillionTokens = Money.FromEuro(outputEurPerMillion),
            ImageMicrosPerMegapixelStep = Money.FromEuro(imageEurPerMegapixelStep),
        }, changedBy, cancellationToken);
    }

    /// <summary>
    /// Sets the price of embedding input tokens for <paramref name="modelId"/> (a new version of the public list, or of
    /// <paramref name="organizationId"/>'s own); the chat and image prices carry over from the price in force.
    /// </summary>
    public Task<ModelPrice> SetEmbeddingPriceAsync(Guid? organizationId, string modelId, decimal embeddingEurPerMillion, string changedBy, CancellationToken cancellationToken = default) =>
        AddVersionAsync(organizationId, modelId, embeddingEurPerMillion,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"embedding {embeddingEurPerMillion} EUR/1M tokens"), current => current, changedBy, cancellationToken);

    // The new version starts from the price in force for this list (so what the caller does not set carries over).
    private async Task<ModelPrice> AddVersionAsync(Guid? organizationId, string modelId, decimal? embeddingEurPerMillion, string detail,
        Func<PriceValues, PriceValues> change, string changedBy, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(modelId) || embeddingEurPerMillion < 0)
        {
            throw new ArgumentException("A model id and non-negative prices are required.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        if (organizationId is { } org && !await db.Organizations.AnyAsync(o => o.Id == org, cancellationToken))
        {
            throw new ArgumentException("The organization does not exist.");
        }
        modelId = modelId.Trim();
        var current = await GetCurrentAsync(db, organizationId, modelId, cancellationToken);
        var values = change(new PriceValues(current.InputMicrosPerMillionTokens, current.OutputMicrosPerMillionTokens, current.ImageMicrosPerMegapixelStep,
            embeddingEurPerMillion is { } embedding ? Money.FromEuro(embedding) : current.EmbeddingMicrosPerMillionTokens));
        var version = (await db.ModelPrices.Where(p => p.ModelId == modelId && p.OrganizationId == organizationId).MaxAsync(p => (int?)p.Version, cancellationToken) ?? 0) + 1;
        var price = new ModelPrice
        {
            OrganizationId = organizationId,
            ModelId = modelId,
            Version = version,
            InputMicrosPerMillionTokens = values.InputMicrosPerMillionTokens,
            OutputMicrosPerMillionTokens = values.OutputMicrosPerMillionTokens,
            ImageMicrosPerMegapixelStep = values.ImageMicrosPerMegapixelStep,
            EmbeddingMicrosPerMillionTokens = values.EmbeddingMicrosPerMillionTokens,
            ValidFrom = time.GetUtcNow(),
            ChangedBy = changedBy,
        };
        db.ModelPrices.Add(price);
        var entry = audit.Create(changedBy, null, Privacy.AuditActions.PriceChanged,
            $"{(organizationId is { } o ? $"organization {o}: " : "")}{price.ModelId} v{version}: {detail}");
        entry.OrganizationId = organizationId;
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        logger.LogInformation("Price version {Version} for model {ModelId} (organization {OrganizationId}) set by {UserId}", version, price.ModelId, organizationId, changedBy);
        return price;
    }

    private sealed record PriceValues(long InputMicrosPerMillionTokens, long OutputMicrosPerMillionTokens, long ImageMicrosPerMegapixelStep, long? EmbeddingMicrosPerMillionTokens);

    /// <summary>Cost in micro-euros of a request of <paramref name="kind"/>, rounded up: embeddings pay the embedding price for their input tokens.</summary>
    public static long Cost(ModelPrice price, UsageKind kind, int inputTokens, int outputTokens, int imageCount, int width, int height, int steps) =>
        kind == UsageKind.Embedding
            ? (long)Math.Ceiling((decimal)inputTokens * EmbeddingUnitPrice(price) / 1_000_000m)
            : Cost(price, inputTokens, outputTokens, imageCount, width, height, steps);

    /// <summary>The unit price an event of <paramref name="kind"/> records for its input tokens.</summary>
    public static long InputUnitPrice(ModelPrice price, UsageKind kind) =>
        kind == UsageKind.Embedding ? EmbeddingUnitPrice(price) : price.InputMicrosPerMillionTokens;

    // Prices come from this list with the default filled in; a bare row without one is a programming error.
    private static long EmbeddingUnitPrice(ModelPrice price) =>
        price.EmbeddingMicrosPerMillionTokens ?? throw new InvalidOperationException("The price has no embedding price; read it through PriceList.");

    /// <summary>Cost in micro-euros, rounded up.</summary>
    public static long Cost(ModelPrice price, int inputTokens, int outputTokens, int imageCount, int width, int height, int steps)
    {
        var tokens = (decimal)inputTokens * price.InputMicrosPerMillionTokens + (decimal)outputTokens * price.OutputMicrosPerMillionTokens;
        var pixelSteps = (decimal)imageCount * width * height * steps * price.ImageMicrosPerMegapixelStep;
        return (long)Math.Ceiling((tokens + pixelSteps) / 1_000_000m);
    }

    private ModelPrice FromOptions()
    {
        var o = options.Value;
        return new ModelPrice
        {
            Id = Guid.Empty,
            ModelId = DefaultModelId,
            Version = 0,
            InputMicrosPerMillionTokens = Money.FromEuro(o.DefaultInputEurPerMillionTokens),
            OutputMicrosPerMillionTokens = Money.FromEuro(o.DefaultOutputEurPerMillionTokens),
            ImageMicrosPerMegapixelStep = Money.FromEuro(o.DefaultImageEurPerMegapixelStep),
            EmbeddingMicrosPerMillionTokens = Money.FromEuro(o.DefaultEmbeddingEurPerMillionTokens),
        };
    }
}
