using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>The account's links to organization identity providers (issuer and subject) in the Art. 15/20 export.</summary>
public sealed class SsoLoginExportContributor : IExportContributor
{
    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var logins = await db.UserLogins.AsNoTracking().Where(l => l.UserId == archive.UserId && l.LoginProvider == SsoSchemes.LoginProvider)
            .Select(l => l.ProviderKey).ToListAsync(cancellationToken);
        var rows = logins.Select(key => key.Split('|', 2)).Select(parts => new { issuer = parts[0], subject = parts.ElementAtOrDefault(1) }).ToList();
        await archive.WriteJsonAsync("sso-logins.json", writer => JsonSerializer.Serialize(writer, rows));
        return new Dictionary<string, int> { ["single sign-on links"] = rows.Count };
    }
}
