namespace PromptLeo.Web.Resources;

/// <summary>Marker for the model administration's and install panel's strings (admin page). Keys are the English text.</summary>
public sealed class ModelsResource;
