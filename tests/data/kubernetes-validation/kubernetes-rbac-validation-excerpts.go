// excerpt: ValidateRBACName
func ValidateRBACName(name string, prefix bool) []string {
	return path.IsValidPathSegmentName(name)
}
// excerpt: ValidateRoleBinding (roleRef.apiGroup)
	if roleBinding.RoleRef.APIGroup != rbac.GroupName {
		allErrs = append(allErrs, field.NotSupported(field.NewPath("roleRef", "apiGroup"), roleBinding.RoleRef.APIGroup, []string{rbac.GroupName}))
	}
// excerpt: ValidateRoleBinding (roleRef.kind)
	switch roleBinding.RoleRef.Kind {
	case "Role", "ClusterRole":
	default:
		allErrs = append(allErrs, field.NotSupported(field.NewPath("roleRef", "kind"), roleBinding.RoleRef.Kind, []string{"Role", "ClusterRole"}))

	}
// excerpt: ValidateRoleBindingSubject
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("kind"), subject.Kind, []string{rbac.ServiceAccountKind, rbac.UserKind, rbac.GroupKind}))
