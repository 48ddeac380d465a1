#!/usr/bin/env bash
# Strict option parser, sourced by pipeline scripts right after their defaults block:
#   --name value  or  --name=value   sets shell variable "name" (dashes become underscores).
# The options are the "name=value" assignments at the start of a line in the sourcing script that
# come before the line sourcing this file (so keep helper assignments out of that part, or indent
# them); a trailing "# comment" on such a line is the option's description in "--help".
# Their names, in order, are left in the array bigssl_options (e.g. for export "${bigssl_options[@]}").
# Any other option (e.g. --HOME) is an error, as is a missing value; as in Kaldi's
# utils/parse_options.sh, an option whose default is true or false only takes true or false.
# "--help" prints the options with their current values and descriptions. Remaining positional
# arguments are kept in "$@".

bigssl_options=()
__bigssl_comments=()
__bigssl_script="${BASH_SOURCE[1]:-$0}"
if [ -r "${__bigssl_script}" ]; then
  __assign='^([A-Za-z_][A-Za-z0-9_]*)='
  __described='^[A-Za-z_][A-Za-z0-9_]*=("([^"\\]|\\.)*"|'"'[^']*'"'|[^[:space:]#"'"'"']*)[[:space:]]+#[[:space:]]?(.*)$'
  __sourcing='^[[:space:]]*(\.|source)[[:space:]].*parse_options\.sh'
  while IFS= read -r __line || [ -n "${__line}" ]; do
    [[ "${__line}" =~ ${__sourcing} ]] && break
    [[ "${__line}" =~ ${__assign} ]] || continue
    __name="${BASH_REMATCH[1]}"
    [[ " ${bigssl_options[*]-} " == *" ${__name} "* ]] && continue
    __comment=""
    [[ "${__line}" =~ ${__described} ]] && __comment="${BASH_REMATCH[3]}"
    bigssl_options+=("${__name}")
    __bigssl_comments+=("${__comment}")
  done < "${__bigssl_script}"
fi

__bigssl_positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h)
      echo "Usage: $0 [--option value ...]"
      echo "Options (current value in brackets):"
      __lines=(); __width=0
      for __name in ${bigssl_options[@]+"${bigssl_options[@]}"}; do
        __lines+=("--${__name} [${!__name}]")
        [ ${#__lines[-1]} -le "${__width}" ] || __width=${#__lines[-1]}
      done
      for __i in "${!__lines[@]}"; do
        printf '  %-*s  %s\n' "${__width}" "${__lines[__i]}" "${__bigssl_comments[__i]}"
      done
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
  if ! [[ "${__name}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ && " ${bigssl_options[*]-} " == *" ${__name} "* ]]; then
    echo "$0: unknown option '--${__name}' (see --help)" >&2
    exit 2
  fi
  if [[ "${!__name}" == true || "${!__name}" == false ]] && [[ "${__value}" != true && "${__value}" != false ]]; then
    echo "$0: option '--${__name}' takes true or false, not '${__value}'" >&2
    exit 2
  fi
  printf -v "${__name}" '%s' "${__value}"
done
set -- ${__bigssl_positional[@]+"${__bigssl_positional[@]}"}
unset __name __value __comment __line __lines __width __i __assign __described __sourcing __bigssl_script __bigssl_comments __bigssl_positional
