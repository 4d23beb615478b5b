using System.IO.Compression;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Web.Features.Images;

/// <summary>One of the user's images, with its decrypted parameters.</summary>
public sealed record GalleryItem(Guid Id, string Kind, string ModelId, int Width, int Height, long ByteSize, DateTimeOffset CreatedAt, ImageParameters Parameters)
{
    public string FileUrl => $"images/file/{Id}";

    public string DownloadUrl(bool withParameters) => $"images/file/{Id}?download=1" + (withParameters ? "&parameters=1" : "");

    /// <summary>The file name a download gets, alone or inside a ZIP.</summary>
    public string FileName => $"promptleo-{CreatedAt:yyyyMMdd-HHmmss}-{Id.ToString("N")[..8]}.png";

    /// <summary>The name inside a ZIP: the whole id, since ids made in the same instant share their first characters.</summary>
    public string ArchiveEntryName => $"promptleo-{CreatedAt:yyyyMMdd-HHmmss}-{Id:N}.png";
}

public sealed record GalleryPage(IReadOnlyList<GalleryItem> Items, int Page, int PageCount, int Total);

/// <summary>The user's own images: listing, reading (decrypted), downloading with or without parameters, deleting.</summary>
/// <remarks>Every query filters by the owner, so another user's id behaves exactly like an unknown one.</remarks>
public sealed class ImageGallery(IDbContextFactory<AppDbContext> dbFactory, UserContentCipher cipher, EncryptedFileStore files, Privacy.AuditLog audit, ILogger<ImageGallery> logger)
{
    public const string ParametersKeyword = "parameters";

    /// <summary>The most images one ZIP download holds.</summary>
    public const int MaxArchiveImages = 100;

    /// <summary>Page <paramref name="page"/> (1-based, clamped), newest first.</summary>
    public async Task<GalleryPage> ListAsync(string userId, int page, int pageSize, CancellationToken cancellationToken = default) =>
        await ListAsync(userId, page, pageSize, null, cancellationToken);

    /// <summary>
    /// Page <paramref name="page"/> of the user's images whose prompt contains <paramref name="search"/> (case-insensitive).
    /// Prompts are stored encrypted, so the search decrypts this user's parameters in memory; nothing else is read.
    /// </summary>
    public async Task<GalleryPage> ListAsync(string userId, int page, int pageSize, string? search, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var mine = db.GeneratedImages.AsNoTracking().Where(i => i.UserId == userId);
        if (!string.IsNullOrWhiteSpace(search))
        {
            return await SearchAsync(mine, page, pageSize, search.Trim(), cancellationToken);
        }
        var total = await mine.CountAsync(cancellationToken);
        var pageCount = Math.Max(1, (total + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pageCount);
        var rows = await mine.OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        var items = new List<GalleryItem>(rows.Count);
        foreach (var row in rows)
        {
            items.Add(await ToItemAsync(row, cancellationToken));
        }
        return new GalleryPage(items, page, pageCount, total);
    }

    private async Task<GalleryPage> SearchAsync(IQueryable<GeneratedImage> mine, int page, int pageSize, string search, CancellationToken cancellationToken)
    {
        var rows = await mine.OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.Id).ToListAsync(cancellationToken);
        var matches = new List<GalleryItem>();
        foreach (var row in rows)
        {
            var item = await ToItemAsync(row, cancellationToken);
            if (item.Parameters.Prompt.Contains(search, StringComparison.CurrentCultureIgnoreCase))
            {
                matches.Add(item);
            }
        }
        var pageCount = Math.Max(1, (matches.Count + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pageCount);
        return new GalleryPage(matches.Skip((page - 1) * pageSize).Take(pageSize).ToList(), page, pageCount, matches.Count);
    }

    /// <summary>
    /// A ZIP of the user's images <paramref name="ids"/> (plain PNGs, as the single download); null when any id is not one of
    /// the user's images, so a foreign id yields nothing at all rather than a partial archive.
    /// </summary>
    public async Task<byte[]?> ArchiveAsync(string userId, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        var files = new List<(byte[] Png, GalleryItem Item)>(ids.Count);
        foreach (var id in ids.Distinct())
        {
            if (await ReadAsync(userId, id, withParameters: false, cancellationToken) is not { } file)
            {
                return null;
            }
            files.Add(file);
        }
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (png, item) in files)
            {
                // PNGs are compressed already.
                var entry = zip.CreateEntry(item.ArchiveEntryName, CompressionLevel.NoCompression);
                entry.LastWriteTime = item.CreatedAt;
                await using var stream = entry.Open();
                await stream.WriteAsync(png, cancellationToken);
            }
        }
        logger.LogInformation("Archive of {Count} images for {UserId}", files.Count, userId);
        return buffer.ToArray();
    }

    /// <summary>The image if it exists and belongs to <paramref name="userId"/>; otherwise null.</summary>
    public async Task<GalleryItem?> GetAsync(string userId, Guid id, CancellationToken cancellationToken = default)
    {
        var row = await FindAsync(userId, id, cancellationToken);
        return row is null ? null : await ToItemAsync(row, cancellationToken);
    }

    /// <summary>The decrypted PNG, optionally with an A1111 "parameters" text chunk; null when not the user's image.</summary>
    public async Task<(byte[] Png, GalleryItem Item)?> ReadAsync(string userId, Guid id, bool withParameters, CancellationToken cancellationToken = default)
    {
        var row = await FindAsync(userId, id, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var png = await files.ReadAsync(userId, row.FileName, ContentPurpose.ImageFile, cancellationToken);
        if (png is null)
        {
            logger.LogWarning("Image {ImageId} of {UserId} has no file", id, userId);
            return null;
        }
        var item = await ToItemAsync(row, cancellationToken);
        if (withParameters && row.Kind != "background-removal")
        {
            png = PngTextChunk.Insert(png, ParametersKeyword, item.Parameters.ToA1111(row.ModelId, row.Width, row.Height));
        }
        return (png, item);
    }

    /// <summary>Deletes the row and the encrypted file; false when not the user's image.</summary>
    public async Task<bool> DeleteAsync(string userId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.GeneratedImages.FirstOrDefaultAsync(i => i.Id == id && i.UserId == userId, cancellationToken);
        if (row is null)
        {
            return false;
        }
        db.GeneratedImages.Remove(row);
        db.AuditEntries.Add(audit.Create(userId, userId, Privacy.AuditActions.ImageDeleted, $"image {id}"));
        await db.SaveChangesAsync(cancellationToken);
        files.Delete(userId, row.FileName);
        logger.LogInformation("Image {ImageId} of {UserId} deleted", id, userId);
        return true;
    }

    private async Task<GeneratedImage?> FindAsync(string userId, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.GeneratedImages.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id && i.UserId == userId, cancellationToken);
    }

    private async Task<GalleryItem> ToItemAsync(GeneratedImage row, CancellationToken cancellationToken)
    {
        var json = await cipher.DecryptStringAsync(row.UserId, ContentPurpose.ImageParameters, row.ParametersCipher, cancellationToken);
        return new GalleryItem(row.Id, row.Kind, row.ModelId, row.Width, row.Height, row.ByteSize, row.CreatedAt, ImageParameters.FromJson(json));
    }
}
