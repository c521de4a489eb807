// embed-silo: the cluster host process (issue 6). Not built yet.
Console.Error.WriteLine("embed-silo: cluster mode is not implemented yet.");
return 2;
