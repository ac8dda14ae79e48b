package github

// RunURL is the web address of the current workflow run, read from the
// GitHub Actions environment (GITHUB_SERVER_URL, GITHUB_REPOSITORY,
// GITHUB_RUN_ID); it is empty outside Actions, when any of them is unset.
// https://docs.github.com/en/actions/reference/variables-reference#default-environment-variables
func RunURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id
}
