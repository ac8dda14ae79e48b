package rules

// catalogue is every rule validate runs, in ID order. Each rule is declared
// with its check in the file of its concern (rule_<category>.go) and named
// here: nothing registers itself, so this list is the whole catalogue.
var catalogue = []*Rule{
	ruleParse,                        // EF001
	ruleFormat,                       // EF002
	ruleContainerDefinitions,         // EF003
	ruleSuppression,                  // EF004
	ruleUndeclaredVariable,           // EF101
	ruleUndeclaredLocal,              // EF102
	ruleUndeclaredResource,           // EF103
	ruleUndeclaredModule,             // EF104
	ruleDuplicateDeclaration,         // EF105
	ruleModuleSourceMissing,          // EF106
	ruleUnpinnedModule,               // EF107
	ruleUnconstrainedProvider,        // EF108
	ruleRequiredVersion,              // EF109
	ruleLocalState,                   // EF110
	ruleBackendEncryption,            // EF111
	ruleBackendLocking,               // EF112
	ruleUndeclaredVarFileVariable,    // EF113
	ruleRequiredTags,                 // EF120
	ruleFargateSize,                  // EF201
	ruleFargatePlatform,              // EF202
	ruleEssentialContainer,           // EF203
	ruleMutableImage,                 // EF204
	ruleUnmappedContainerPort,        // EF205
	ruleLogging,                      // EF206
	rulePlainSecret,                  // EF207
	rulePrivileged,                   // EF208
	ruleWritableRootFilesystem,       // EF209
	ruleHealthCheck,                  // EF210
	ruleSharedRole,                   // EF211
	ruleCircuitBreaker,               // EF212
	ruleDeploymentAlarms,             // EF213
	ruleTaskDefinitionOwner,          // EF214
	ruleAutoscaledDesiredCount,       // EF215
	ruleForceNewDeployment,           // EF216
	ruleExecInProduction,             // EF217
	rulePredictiveScalingConfig,      // EF218
	ruleReactiveOnly,                 // EF219
	ruleHTTPSRedirect,                // EF301
	ruleTLSPolicy,                    // EF302
	ruleInvalidHeaders,               // EF303
	ruleDeletionProtection,           // EF304
	ruleAccessLogs,                   // EF305
	ruleTargetGroupHealthCheck,       // EF306
	ruleMutableTags,                  // EF401
	ruleScanOnPush,                   // EF402
	ruleForceDelete,                  // EF403
	ruleOpenIngress,                  // EF501
	ruleAllActions,                   // EF601
	ruleServiceWildcard,              // EF602
	ruleWriteAnyResource,             // EF603
	ruleLogRetention,                 // EF701
	ruleStateVersioning,              // EF711
	ruleStateEncryption,              // EF712
	ruleStatePublicAccess,            // EF713
	ruleStateReplication,             // EF751
	ruleLockTablePITR,                // EF752
	ruleECRReplication,               // EF753
	ruleEFSBackup,                    // EF754
	ruleSingleAZ,                     // EF755
	ruleTaskDefsInGit,                // EF756
	ruleApplyTimeBuild,               // EF801
	ruleUnpinnedSource,               // EF802
	ruleProjectSyntax,                // EF821
	ruleProjectUnknownKey,            // EF822
	ruleProjectUnknownImage,          // EF823
	ruleProjectMissingFile,           // EF824
	ruleProjectStrategy,              // EF825
	ruleProjectEnvironment,           // EF826
	ruleProjectServiceNotInTerraform, // EF827
	ruleDestructivePlan,              // EF901
	ruleActionlint,                   // EF911
	ruleUnpinnedAction,               // EF912
}

// byID indexes the catalogue by rule ID.
var byID = indexByID(catalogue)

func indexByID(rs []*Rule) map[string]*Rule {
	m := make(map[string]*Rule, len(rs))
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}
