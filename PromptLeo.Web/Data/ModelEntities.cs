using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>An administrator's setting for an installed model; a model without a row is enabled.</summary>
public class ModelSetting
{
    /// <summary>The model's id (its folder name in the models folder).</summary>
    [Key]
    [MaxLength(200)]
    public string ModelId { get; set; } = "";

    /// <summary>A disabled model is not offered to users and every inference request for it is refused.</summary>
    public bool Disabled { get; set; }

    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>User id of the admin who changed it, or <c>cli</c>.</summary>
    [MaxLength(450)]
    public string ChangedBy { get; set; } = "";
}
