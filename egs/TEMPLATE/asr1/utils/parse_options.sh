#!/usr/bin/env bash
# Strict option parser, sourced by pipeline scripts after they set their defaults:
#   --name value  or  --name=value   sets shell variable "name" (dashes become underscores).
# An option whose variable was not given a default before sourcing is an error, as is a
# missing value. "--help" prints the defaults. Remaining positional arguments are kept in "$@".

__bigssl_positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h)
      echo "Usage: $0 [--option value ...]"
      echo "Options (default in brackets):"
      for __v in ${__bigssl_options:-}; do printf '  --%s [%s]\n' "${__v}" "${!__v}"; done
      exit 0 ;;
    --*=*)
      __name="${1%%=*}"; __name="${__name#--}"; __name="${__name//-/_}"; __value="${1#*=}"; shift ;;
    --*)
      __name="${1#--}"; __name="${__name//-/_}"
      if [ $# -lt 2 ]; then echo "$0: option '$1' needs a value" >&2; exit 2; fi
      __value="$2"; shift 2 ;;
    *)
      __bigssl_positional+=("$1"); shift; continue ;;
  esac
  if ! [[ "${__name}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || [ -z "${!__name+set}" ]; then
    echo "$0: unknown option '--${__name}' (see --help)" >&2
    exit 2
  fi
  printf -v "${__name}" '%s' "${__value}"
done
set -- ${__bigssl_positional[@]+"${__bigssl_positional[@]}"}
unset __name __value __v __bigssl_positional
