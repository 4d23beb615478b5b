using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>Where export ZIPs live: the data folder's <c>exports/&lt;user&gt;/&lt;export&gt;.zip</c>, never under wwwroot.</summary>
public sealed class ExportFiles(DataPaths paths)
{
    public string PathFor(string userId, Guid exportId) => Path.Combine(UserDirectory(userId), exportId.ToString("N") + ".zip");

    public void Delete(string userId, Guid exportId)
    {
        var path = PathFor(userId, exportId);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        foreach (var partial in Directory.Exists(UserDirectory(userId)) ? Directory.EnumerateFiles(UserDirectory(userId), exportId.ToString("N") + ".zip.*") : [])
        {
            File.Delete(partial);
        }
    }

    public void DeleteAll(string userId)
    {
        var dir = UserDirectory(userId);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private string UserDirectory(string userId) => DataPaths.UserFolder(paths.Exports, userId);
}
